// Ctrl-C (SIGINT) and SIGTERM while a command waits: the command says what the user needs to pick up where it
// stopped, then the process ends with 130, the shell's code for "interrupted". serverless sees our listener and
// leaves the exit to us.
export function onInterrupt(report: () => void): () => void {
  const handler = () => {
    try {
      report();
    } finally {
      process.exit(130);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
