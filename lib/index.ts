// Plugin entry: registers the `tencent` provider and its configuration schema, declares the commands and their
// options, and maps hooks to commands. A command's module is loaded only when that command runs, so the plugin
// costs next to nothing at serverless start-up.
import { isScfError } from './scf/errors';
import { type PluginIo, TencentProvider } from './provider';
import { configSchema } from './schema';

const namespaceOption = { usage: 'SCF namespace (default: from serverless.yml, else "default")', shortcut: 'n', type: 'string' };
const regionOption = { usage: 'Region (e.g. ap-guangzhou)', shortcut: 'r', type: 'string' };

class TencentScfPlugin {
  readonly provider: TencentProvider;
  readonly commands: Record<string, unknown>;
  readonly hooks: Record<string, () => Promise<void>>;

  constructor(
    private readonly serverless: any,
    private readonly options: Record<string, any>,
    io: PluginIo,
  ) {
    this.provider = new TencentProvider(serverless, options, io);
    serverless.setProvider(TencentProvider.getProviderName(), this.provider);
    const schema = serverless.configSchemaHandler;
    schema?.defineProvider?.('tencent', configSchema.provider);
    schema?.defineCustomProperties?.(configSchema.custom);

    this.commands = {
      invoke: {
        options: {
          namespace: namespaceOption,
          region: regionOption,
          wait: { usage: 'With --type Event: wait for the result and print it as a sync call would', type: 'boolean' },
          timeout: { usage: 'With --wait: seconds to wait for the result (default 900)', type: 'string' },
        },
      },
    };

    this.hooks = {
      'invoke:invoke': () =>
        this.run(async () => {
          const { InvokeCommand } = require('./commands/invoke') as typeof import('./commands/invoke');
          await new InvokeCommand(this.provider, this.options).run();
        }),
    };
  }

  /** Our errors become serverless's own: a sentence and a non-zero exit, no stack unless --verbose. */
  private async run(command: () => Promise<void>): Promise<void> {
    try {
      await command();
    } catch (error) {
      if (isScfError(error)) {
        const ServerlessError = this.serverless.classes.Error;
        throw new ServerlessError(error.message, error.code.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase());
      }
      throw error;
    }
  }
}

export = TencentScfPlugin;
