// An Express app as SCF runs a web function: it listens on port 9000 (scf_bootstrap starts it).
const express = require('express');

const app = express();
app.use(express.json());
const users = [];

app.get('/', (req, res) => res.json({ service: 'express-web', function: process.env.SCF_FUNCTIONNAME || 'local' }));
app.get('/users', (req, res) => res.json(users));
app.post('/users', (req, res) => {
  if (!req.body || typeof req.body.name !== 'string') return res.status(400).json({ error: 'name is required' });
  const user = { id: users.length + 1, name: req.body.name };
  users.push(user);
  res.status(201).set('Location', `/users/${user.id}`).json(user);
});
app.get('/headers', (req, res) => res.set('X-Echo', req.get('X-Request-Tag') || '').json({ tag: req.get('X-Request-Tag') || null }));
app.use((req, res) => res.status(404).json({ error: `no route for ${req.method} ${req.path}` }));

app.listen(9000, '0.0.0.0', () => console.log('express-web listening on 9000'));
