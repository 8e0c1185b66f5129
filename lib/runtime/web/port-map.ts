// Loaded into a web function's Node.js process (NODE_OPTIONS=--require) by lib/runtime/web: SCF sends requests to
// port 9000 of the instance, and here port 9000 is any free port of 127.0.0.1, so two web functions (and the
// machine's own port 9000) never clash. Every listen is reported, one line to the file SCF_EMULATOR_PORT_FILE
// names: `9000 <port> <host>` for the one mapped, `other <port> <host>` for any other (a port SCF would not send
// requests to). Imports nothing of ours: it runs inside the user's process.
import * as fs from 'fs';
import * as net from 'net';

const SCF_PORT = 9000;
const file = process.env.SCF_EMULATOR_PORT_FILE;

if (file) {
  const listen = net.Server.prototype.listen;
  const report = (line: string) => {
    try {
      fs.appendFileSync(file, `${line}\n`);
    } catch {
      // the emulator is gone: nothing to tell
    }
  };
  net.Server.prototype.listen = function patchedListen(this: net.Server, ...args: any[]): net.Server {
    const first = args[0];
    const options = first !== null && typeof first === 'object' && !Array.isArray(first) && 'port' in first ? first : undefined;
    const port = options ? options.port : first;
    const mapped = (typeof port === 'number' || typeof port === 'string') && Number(port) === SCF_PORT;
    if (mapped) {
      if (options) args[0] = { ...options, port: 0, host: '127.0.0.1' };
      else {
        args[0] = 0;
        if (typeof args[1] === 'string') args[1] = '127.0.0.1';
        else args.splice(1, 0, '127.0.0.1');
      }
    }
    this.once('listening', () => {
      const address = this.address();
      if (address && typeof address === 'object') report(`${mapped ? SCF_PORT : 'other'} ${address.port} ${address.address}`);
    });
    return listen.apply(this, args as any);
  } as typeof net.Server.prototype.listen;
}
