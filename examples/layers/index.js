// The greeting module is not in this package: it comes from the nodeDeps layer (/opt/nodejs/node_modules).
const { greet } = require('greeting');

exports.main = async (event) => ({ message: greet(event.name || 'world'), runtime: 'nodejs' });
