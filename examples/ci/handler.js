'use strict';

// The API of the example pipeline. It needs a key it must never print (from Secrets Manager, through
// ${tencent-ssm:...}); it says which release it is, so a rollback can be seen.
exports.main = async (event) => {
  const configured = typeof process.env.API_KEY === 'string' && process.env.API_KEY.length > 0;
  return { ok: configured, release: process.env.RELEASE || 'unknown', echo: event && event.ping };
};
