'use strict';

// async handler: returns a value
exports.hello = async (event, context) => {
  console.log('hello invoked with', JSON.stringify(event));
  return { message: `Hello from ${context.function_name}`, input: event };
};

// callback handler: echoes the event as it came
exports.echo = (event, context, callback) => {
  callback(null, event);
};

// a handler that throws
exports.fail = async (event) => {
  console.error('about to fail');
  throw new Error(event && event.reason ? event.reason : 'something broke');
};

// a handler that takes event.ms milliseconds (default 1000)
exports.slow = async (event) => {
  const ms = Number((event && event.ms) || 1000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { sleptMs: ms };
};

// a handler that logs event.lines lines (default 20)
exports.chatty = async (event) => {
  const lines = Number((event && event.lines) || 20);
  for (let i = 1; i <= lines; i++) console.log(`line ${i} of ${lines}`);
  return { lines };
};
