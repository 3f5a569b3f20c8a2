// podenv.js -- lays out one container of a rendered manifest as its pod would see it:
// its Secret volumes as the kubelet mounts them (a timestamped folder, ..data, one
// symlink per key) under ROOT, and its environment (env, envFrom, ConfigMap and Secret
// references resolved) as shell `export` lines, paths under a mount moved under ROOT.
//
//   node podenv.js RENDER.yaml KIND/NAME SECRETS_DIR ROOT > env.sh
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

const [render, target, secretsDir, root] = process.argv.slice(2);
if (!root) {
  console.error('usage: podenv.js RENDER.yaml KIND/NAME SECRETS_DIR ROOT');
  process.exit(2);
}
const load = (f) => yaml.loadAll(fs.readFileSync(f, 'utf8')).filter(Boolean);
const objects = load(render);
const secrets = fs.readdirSync(secretsDir).filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => load(path.join(secretsDir, f)));
const [kind, name] = target.split('/');
const w = objects.find((o) => o.kind === kind && o.metadata.name === name);
if (!w) throw new Error(`no ${target} in ${render}`);
const pod = w.spec.template.spec;
const c = pod.containers[0];

const configMap = (n) => {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === n);
  if (!cm) throw new Error(`no ConfigMap ${n}`);
  return cm.data || {};
};
const secretData = (n) => {
  const s = secrets.find((o) => o.metadata.name === n);
  if (!s) throw new Error(`no Secret ${n}`);
  const out = {};
  for (const [k, v] of Object.entries(s.data || {})) out[k] = Buffer.from(v, 'base64');
  for (const [k, v] of Object.entries(s.stringData || {})) out[k] = Buffer.from(v);
  return out;
};

// The kubelet's layout of a secret volume: the files in a timestamped folder, ..data
// pointing at it, and each key a symlink through ..data (what zcertstore and fopen meet).
for (const m of c.volumeMounts || []) {
  const v = (pod.volumes || []).find((x) => x.name === m.name);
  if (!v || !v.secret) continue;
  const data = secretData(v.secret.secretName);
  const dir = path.join(root, m.mountPath);
  const stamp = '..2026_01_01_00_00_00.000000001';
  fs.mkdirSync(path.join(dir, stamp), { recursive: true });
  const items = v.secret.items || Object.keys(data).map((k) => ({ key: k, path: k }));
  for (const it of items) {
    fs.writeFileSync(path.join(dir, stamp, it.path), data[it.key], { mode: v.secret.defaultMode || 0o644 });
    fs.symlinkSync(path.join('..data', it.path), path.join(dir, it.path));
  }
  fs.symlinkSync(stamp, path.join(dir, '..data'));
}

const env = {};
for (const from of c.envFrom || []) {
  if (from.configMapRef) Object.assign(env, configMap(from.configMapRef.name));
  if (from.secretRef)
    for (const [k, v] of Object.entries(secretData(from.secretRef.name))) env[k] = v.toString();
}
for (const e of c.env || []) {
  if (e.value !== undefined) env[e.name] = String(e.value);
  const vf = e.valueFrom || {};
  if (vf.configMapKeyRef) env[e.name] = configMap(vf.configMapKeyRef.name)[vf.configMapKeyRef.key];
  if (vf.secretKeyRef) {
    const v = secretData(vf.secretKeyRef.name)[vf.secretKeyRef.key];
    if (v !== undefined) env[e.name] = v.toString();
    else if (!vf.secretKeyRef.optional) throw new Error(`no key ${vf.secretKeyRef.key}`);
  }
}
// A path at or above a mount (BUS_CURVE_DIR holds two) moves under ROOT with it.
const mounts = (c.volumeMounts || []).map((m) => m.mountPath);
for (const [k, v] of Object.entries(env))
  if (typeof v === 'string' && v.startsWith('/') && mounts.some((m) => m === v || m.startsWith(v + '/') || v.startsWith(m + '/')))
    env[k] = path.join(root, v);

const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
for (const [k, v] of Object.entries(env)) console.log(`export ${k}=${quote(v)}`);
console.log(`BINARY=${quote(c.args[0])}`);
