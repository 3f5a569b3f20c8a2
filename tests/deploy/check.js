// check.js -- validates rendered Kubernetes manifests against the Kubernetes schemas and
// the project's rules (tests/deploy/README.md), then proves each rule can fail by running
// it on broken copies of the first render.
//
//   node check.js --root REPO --secrets SECRETS_DIR NAME=RENDER.yaml...
//
// Prints "ok - ..." / "not ok - ..." per check and closes with "check: N passed, M failed".
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

// --- inputs ---------------------------------------------------------------------------

function parseArgs(argv) {
  const a = { root: null, secrets: null, renders: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') a.root = argv[++i];
    else if (argv[i] === '--secrets') a.secrets = argv[++i];
    else {
      const eq = argv[i].indexOf('=');
      a.renders.push({ name: argv[i].slice(0, eq), file: argv[i].slice(eq + 1) });
    }
  }
  if (!a.root || !a.renders.length) {
    console.error('usage: check.js --root REPO [--secrets DIR] NAME=RENDER.yaml...');
    process.exit(2);
  }
  return a;
}

function loadDocs(file) {
  return yaml.loadAll(fs.readFileSync(file, 'utf8')).filter((d) => d && typeof d === 'object');
}

// Every process binary and the folder of its sources, from the CMake files: the folder
// holding add_executable(NAME ...). The container's args[0] must be one of them.
function findBinaries(root) {
  const bins = {};
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!/^(\.|build|tests$|bench$|node_modules$)/.test(e.name)) walk(p);
      } else if (e.name === 'CMakeLists.txt') {
        const re = /add_executable\(\s*([A-Za-z0-9_.-]+)/g;
        let m;
        const text = fs.readFileSync(p, 'utf8');
        while ((m = re.exec(text))) bins[m[1]] = path.dirname(p);
      }
    }
  };
  walk(root);
  return bins;
}

// The environment names the C sources of DIRS read: config_str/config_int/config_bool
// ("NAME", ...) and getenv("NAME").
function readNames(dirs) {
  const names = new Set();
  const re = /\b(?:config_(?:str|int|bool)|getenv)\s*\(\s*"([A-Z][A-Z0-9_]*)"/g;
  for (const dir of dirs) {
    for (const f of fs.readdirSync(dir)) {
      if (!/\.[ch]$/.test(f)) continue;
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      let m;
      while ((m = re.exec(text))) names.add(m[1]);
    }
  }
  return names;
}

// The names each binary reads: its own folder's sources and common/ (linked into all).
function envTable(root, bins) {
  const common = path.join(root, 'common');
  const table = {};
  for (const [bin, dir] of Object.entries(bins)) table[bin] = readNames([dir, common]);
  return table;
}

// --- schema validation ----------------------------------------------------------------

function modelClass(apiVersion, kind) {
  const group = apiVersion.includes('/') ? apiVersion : apiVersion; // "v1" or "apps/v1"
  let mod;
  try {
    mod = require(`kubernetes-models/${group}`);
  } catch (e) {
    return null;
  }
  return mod[kind] || null;
}

function checkSchema(ctx) {
  const problems = [];
  for (const o of ctx.objects) {
    const Cls = modelClass(o.apiVersion || '', o.kind || '');
    if (!Cls) {
      problems.push(`${id(o)}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Cls(o).validate();
    } catch (e) {
      problems.push(`${id(o)}: ${e.message}`);
    }
  }
  return problems;
}

// --- helpers --------------------------------------------------------------------------

const id = (o) => `${o.kind}/${(o.metadata || {}).name}`;
const WORKLOADS = ['Deployment', 'StatefulSet', 'Job'];
const LONG_RUNNING = ['Deployment', 'StatefulSet'];

function workloads(ctx, kinds = WORKLOADS) {
  return ctx.objects.filter((o) => kinds.includes(o.kind));
}

function podSpec(w) {
  return ((w.spec || {}).template || {}).spec || {};
}

function podLabels(w) {
  return (((w.spec || {}).template || {}).metadata || {}).labels || {};
}

function allContainers(w) {
  const s = podSpec(w);
  return [...(s.initContainers || []).map((c) => [c, true]), ...(s.containers || []).map((c) => [c, false])];
}

function matches(selector, labels) {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels || {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

// A Service's plain selector (key: value) as a label selector.
const serviceSelector = (svc) => ({ matchLabels: (svc.spec || {}).selector || {} });

function find(ctx, kind, name) {
  return ctx.objects.find((o) => o.kind === kind && o.metadata && o.metadata.name === name);
}

function secret(ctx, name) {
  return ctx.secrets.find((s) => s.metadata && s.metadata.name === name);
}

function dataKeys(o) {
  return Object.keys({ ...(o.data || {}), ...(o.stringData || {}) });
}

// The value of env NAME in container C, following configMapKeyRef; undefined when unset.
function envValue(ctx, c, name) {
  for (const e of c.env || []) {
    if (e.name !== name) continue;
    if (e.value !== undefined) return String(e.value);
    const ref = (e.valueFrom || {}).configMapKeyRef;
    if (ref) {
      const cm = find(ctx, 'ConfigMap', ref.name);
      return cm && cm.data ? cm.data[ref.key] : undefined;
    }
    return undefined;
  }
  for (const from of c.envFrom || []) {
    if (from.configMapRef) {
      const cm = find(ctx, 'ConfigMap', from.configMapRef.name);
      if (cm && cm.data && cm.data[name] !== undefined) return String(cm.data[name]);
    }
  }
  return undefined;
}

function containerPort(c, port) {
  return (c.ports || []).find((p) => p.name === port || p.containerPort === port);
}

// The binary a container runs: args[0] (the image's entrypoint is tini).
const binaryOf = (c) => (c.args || [])[0];

// --- the rules ------------------------------------------------------------------------

// Every container: requests and limits (cpu, memory), non-root 10001, read-only root,
// no privilege escalation, every capability dropped.
function checkContainers(ctx) {
  const problems = [];
  for (const w of workloads(ctx)) {
    const pod = podSpec(w).securityContext || {};
    for (const [c] of allContainers(w)) {
      const where = `${id(w)} container ${c.name}`;
      const r = c.resources || {};
      for (const kind of ['requests', 'limits'])
        for (const res of ['cpu', 'memory'])
          if (!(r[kind] || {})[res]) problems.push(`${where}: no ${kind}.${res}`);
      const sc = c.securityContext || {};
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
      if ((sc.runAsUser ?? pod.runAsUser) !== 10001) problems.push(`${where}: runAsUser is not 10001`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (!((sc.capabilities || {}).drop || []).includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
    }
  }
  return problems;
}

// Every image is the busd image; the process is args[0] (a command would replace the
// image's tini entrypoint, and SIGTERM would reach no one).
function checkImages(ctx) {
  const problems = [];
  for (const w of workloads(ctx)) {
    for (const [c] of allContainers(w)) {
      const where = `${id(w)} container ${c.name}`;
      const image = c.image || '';
      const repo = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
      if (repo.split('/').pop() !== 'busd') problems.push(`${where}: image ${image} is not the busd image`);
      if (c.command) problems.push(`${where}: sets command (replaces the tini entrypoint): name the binary in args`);
      if (!ctx.binaries[binaryOf(c)] || binaryOf(c) === 'bus-keygen')
        problems.push(`${where}: args[0] "${binaryOf(c)}" is not a process of the image`);
    }
  }
  return problems;
}

// Long-running containers: liveness /health/live and readiness /health/ready over HTTP on
// the admin port, which is the container's port "admin" and its ADMIN_PORT; Prometheus
// annotations name that port; /tmp is an emptyDir (the root is read-only).
function checkProbes(ctx) {
  const problems = [];
  for (const w of workloads(ctx, LONG_RUNNING)) {
    const ann = (((w.spec || {}).template || {}).metadata || {}).annotations || {};
    const volumes = podSpec(w).volumes || [];
    for (const c of podSpec(w).containers || []) {
      const where = `${id(w)} container ${c.name}`;
      const admin = containerPort(c, 'admin');
      const adminPort = envValue(ctx, c, 'ADMIN_PORT');
      if (!admin) problems.push(`${where}: no container port named admin`);
      else if (String(admin.containerPort) !== adminPort)
        problems.push(`${where}: admin port ${admin.containerPort} but ADMIN_PORT=${adminPort}`);
      for (const [probe, p] of [['livenessProbe', '/health/live'], ['readinessProbe', '/health/ready']]) {
        const h = (c[probe] || {}).httpGet;
        if (!h) {
          problems.push(`${where}: no ${probe} (httpGet)`);
          continue;
        }
        if (h.path !== p) problems.push(`${where}: ${probe} path ${h.path}, not ${p}`);
        const target = containerPort(c, h.port);
        if (!target || !admin || target.containerPort !== admin.containerPort)
          problems.push(`${where}: ${probe} port ${h.port} is not the admin port`);
      }
      if (ann['prometheus.io/scrape'] !== 'true') problems.push(`${id(w)}: no prometheus.io/scrape "true"`);
      if (ann['prometheus.io/path'] !== '/metrics') problems.push(`${id(w)}: prometheus.io/path is not /metrics`);
      if (!admin || ann['prometheus.io/port'] !== String(admin.containerPort))
        problems.push(`${id(w)}: prometheus.io/port ${ann['prometheus.io/port']} is not the admin port`);
      const tmp = (c.volumeMounts || []).find((m) => m.mountPath === '/tmp');
      const vol = tmp && volumes.find((v) => v.name === tmp.name);
      if (!vol || !vol.emptyDir) problems.push(`${where}: /tmp is not an emptyDir`);
    }
  }
  return problems;
}

// Every env variable set is one the container's process reads (its sources and common/),
// whether set by env or by envFrom; every ConfigMap and Secret key it takes exists.
function checkEnv(ctx) {
  const problems = [];
  for (const w of workloads(ctx)) {
    for (const [c] of allContainers(w)) {
      const where = `${id(w)} container ${c.name}`;
      const reads = ctx.env[binaryOf(c)];
      if (!reads) continue; // checkImages says it
      for (const e of c.env || []) {
        if (!reads.has(e.name)) problems.push(`${where}: sets ${e.name}, which ${binaryOf(c)} never reads`);
        const cmRef = (e.valueFrom || {}).configMapKeyRef;
        const secRef = (e.valueFrom || {}).secretKeyRef;
        if (cmRef) {
          const cm = find(ctx, 'ConfigMap', cmRef.name);
          if (!cm || !(cm.data || {})[cmRef.key]) problems.push(`${where}: ${e.name} from missing ConfigMap key ${cmRef.name}/${cmRef.key}`);
        }
        if (secRef && ctx.secrets.length) {
          const s = secret(ctx, secRef.name);
          if (!s || (!dataKeys(s).includes(secRef.key) && !secRef.optional))
            problems.push(`${where}: ${e.name} from a Secret key secrets.sh does not make: ${secRef.name}/${secRef.key}`);
        }
      }
      for (const from of c.envFrom || []) {
        let keys = null;
        if (from.configMapRef) {
          const cm = find(ctx, 'ConfigMap', from.configMapRef.name);
          if (!cm) problems.push(`${where}: envFrom missing ConfigMap ${from.configMapRef.name}`);
          else keys = Object.keys(cm.data || {});
        } else if (from.secretRef && ctx.secrets.length) {
          const s = secret(ctx, from.secretRef.name);
          if (!s) problems.push(`${where}: envFrom Secret ${from.secretRef.name}, which secrets.sh does not make`);
          else keys = dataKeys(s);
        }
        for (const k of keys || [])
          if (!reads.has((from.prefix || '') + k))
            problems.push(`${where}: takes ${k} (envFrom), which ${binaryOf(c)} never reads`);
      }
    }
  }
  return problems;
}

// Secrets and the bus's certificates: every Secret a pod mounts is one secrets.sh makes;
// every process that speaks on the bus mounts busd-curve-public at BUS_CURVE_DIR/public
// and its own role's busd-curve-<role> at BUS_CURVE_DIR/secret (common/bus_security.h).
function checkSecrets(ctx) {
  const problems = [];
  const busRoles = ['broker', 'edge', 'users', 'orders', 'messages', 'notify'];
  for (const w of workloads(ctx)) {
    const volumes = podSpec(w).volumes || [];
    for (const v of volumes) {
      if (!v.secret || !ctx.secrets.length) continue;
      const s = secret(ctx, v.secret.secretName);
      if (!s) problems.push(`${id(w)}: volume ${v.name} mounts Secret ${v.secret.secretName}, which secrets.sh does not make`);
      else for (const it of v.secret.items || [])
        if (!dataKeys(s).includes(it.key)) problems.push(`${id(w)}: volume ${v.name} wants key ${it.key} of ${v.secret.secretName}`);
    }
    for (const [c, init] of allContainers(w)) {
      const role = binaryOf(c);
      if (init || !busRoles.includes(role)) continue;
      const dir = envValue(ctx, c, 'BUS_CURVE_DIR');
      if (!dir) {
        problems.push(`${id(w)} container ${c.name}: no BUS_CURVE_DIR (the bus would refuse to start)`);
        continue;
      }
      const mounted = (sub) => {
        const m = (c.volumeMounts || []).find((x) => x.mountPath === `${dir}/${sub}`);
        const v = m && volumes.find((x) => x.name === m.name);
        return v && v.secret ? v.secret.secretName : null;
      };
      if (mounted('public') !== 'busd-curve-public')
        problems.push(`${id(w)} container ${c.name}: ${dir}/public is not Secret busd-curve-public`);
      if (mounted('secret') !== `busd-curve-${role}`)
        problems.push(`${id(w)} container ${c.name}: ${dir}/secret is not Secret busd-curve-${role}`);
      if (ctx.secrets.length) {
        const own = secret(ctx, `busd-curve-${role}`);
        if (own && !dataKeys(own).includes(`${role}.cert`)) problems.push(`busd-curve-${role}: no key ${role}.cert`);
      }
    }
    // A file setting (JWT_*_KEY_FILE) names a file some volume of the pod provides.
    for (const [c] of allContainers(w)) {
      for (const e of c.env || []) {
        if (!/_FILE$/.test(e.name)) continue;
        const file = envValue(ctx, c, e.name) || '';
        const m = (c.volumeMounts || []).find((x) => file.startsWith(x.mountPath + '/'));
        const v = m && volumes.find((x) => x.name === m.name);
        const key = m && file.slice(m.mountPath.length + 1);
        const keys = v && v.secret ? (v.secret.items ? v.secret.items.map((i) => i.path) : (secret(ctx, v.secret.secretName) ? dataKeys(secret(ctx, v.secret.secretName)) : [key])) : [];
        if (!v || !keys.includes(key)) problems.push(`${id(w)} container ${c.name}: ${e.name}=${file} is in no mounted volume`);
      }
    }
  }
  return problems;
}

// Ports agree: the bus endpoints name the headless broker Service on the right port of
// it, the brokers bind the ports their Service and containers say, the edge and notify
// listen on 0.0.0.0 at their container ports, admin on 0.0.0.0; TRUSTED_PROXIES is CIDR.
function checkWiring(ctx) {
  const problems = [];
  const ns = ctx.namespace;
  const broker = find(ctx, 'Service', 'broker');
  const sts = find(ctx, 'StatefulSet', 'broker');
  if (!broker || broker.spec.clusterIP !== 'None') problems.push('Service/broker: missing or not headless (clusterIP: None)');
  if (!sts) problems.push('StatefulSet/broker: missing');
  else {
    if (sts.spec.serviceName !== 'broker') problems.push('StatefulSet/broker: serviceName is not broker');
    if (sts.spec.podManagementPolicy !== 'Parallel') problems.push('StatefulSet/broker: podManagementPolicy is not Parallel');
  }
  const busPorts = { BUS_CLIENT_ENDPOINT: 'clients', BUS_WORKER_ENDPOINT: 'workers', BUS_PUB_ENDPOINT: 'xsub', BUS_SUB_ENDPOINT: 'xpub' };
  const bindPorts = { BROKER_CLIENT_BIND: 'clients', BROKER_WORKER_BIND: 'workers', BROKER_XSUB_BIND: 'xsub', BROKER_XPUB_BIND: 'xpub' };
  const svcPort = (name) => broker && (broker.spec.ports || []).find((p) => p.name === name);
  for (const w of workloads(ctx, LONG_RUNNING)) {
    for (const c of podSpec(w).containers || []) {
      const where = `${id(w)} container ${c.name}`;
      for (const [env, portName] of Object.entries(busPorts)) {
        const v = envValue(ctx, c, env);
        if (v === undefined) continue;
        const want = `tcp://broker.${ns}.svc.cluster.local:${(svcPort(portName) || {}).port}`;
        if (v !== want) problems.push(`${where}: ${env}=${v}, not the headless Service ${want}`);
      }
      for (const [env, portName] of Object.entries(bindPorts)) {
        const v = envValue(ctx, c, env);
        if (v === undefined) continue;
        const port = containerPort(c, portName);
        const sp = svcPort(portName);
        if (!port || v !== `tcp://*:${port.containerPort}`) problems.push(`${where}: ${env}=${v} is not tcp://*: its ${portName} port`);
        if (!sp || !port || (sp.targetPort !== portName && sp.targetPort !== port.containerPort))
          problems.push(`${where}: Service broker port ${portName} does not lead to ${env}`);
      }
      const bin = binaryOf(c);
      const listen = { edge: ['EDGE_BIND', 'EDGE_PORT', 'http'], notify: ['NOTIFY_BIND', 'NOTIFY_PORT', 'ws'] }[bin];
      if (listen) {
        const [bindEnv, portEnv, portName] = listen;
        if (envValue(ctx, c, bindEnv) !== '0.0.0.0') problems.push(`${where}: ${bindEnv} is not 0.0.0.0 (a pod's loopback is unreachable)`);
        const p = containerPort(c, portName);
        if (!p || envValue(ctx, c, portEnv) !== String(p.containerPort))
          problems.push(`${where}: ${portEnv}=${envValue(ctx, c, portEnv)} is not its ${portName} port`);
      }
      if (envValue(ctx, c, 'ADMIN_BIND') !== '0.0.0.0') problems.push(`${where}: ADMIN_BIND is not 0.0.0.0 (probes could not reach it)`);
      if (bin === 'edge') {
        const tp = envValue(ctx, c, 'TRUSTED_PROXIES') || '';
        if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}(,\s*(\d{1,3}\.){3}\d{1,3}\/\d{1,2})*$/.test(tp))
          problems.push(`${where}: TRUSTED_PROXIES "${tp}" is not the pod range as CIDR`);
      }
    }
  }
  return problems;
}

// Every Service selects pods of this render, and each of its ports leads to one of their
// container ports; a StatefulSet's serviceName exists.
function checkServices(ctx) {
  const problems = [];
  for (const svc of ctx.objects.filter((o) => o.kind === 'Service')) {
    const pods = workloads(ctx).filter((w) => matches(serviceSelector(svc), podLabels(w)));
    if (!Object.keys(svc.spec.selector || {}).length || !pods.length) {
      problems.push(`${id(svc)}: selects no pods of this render`);
      continue;
    }
    for (const p of svc.spec.ports || []) {
      const target = p.targetPort ?? p.port;
      const ok = pods.some((w) => (podSpec(w).containers || []).some((c) => containerPort(c, target)));
      if (!ok) problems.push(`${id(svc)}: port ${p.name || p.port} targets ${target}, which no selected container has`);
    }
  }
  return problems;
}

// The Ingress exposes /api and /health on the edge and /ws on notify, WebSocket timeouts
// on /ws, and never /metrics, a catch-all, or a port that is a pod's admin port.
function checkIngress(ctx) {
  const problems = [];
  const ingresses = ctx.objects.filter((o) => o.kind === 'Ingress');
  const routes = {};
  for (const ing of ingresses) {
    for (const rule of ing.spec.rules || []) {
      for (const p of (rule.http || {}).paths || []) {
        const svcName = p.backend.service.name;
        const svc = find(ctx, 'Service', svcName);
        routes[p.path] = { svcName, ing };
        if (p.path === '/' || p.path.startsWith('/metrics') || p.path.startsWith('/admin'))
          problems.push(`${id(ing)}: path ${p.path} would expose what must stay inside (/metrics, admin)`);
        if (!svc) {
          problems.push(`${id(ing)}: path ${p.path} to missing Service ${svcName}`);
          continue;
        }
        const want = p.backend.service.port;
        const sp = (svc.spec.ports || []).find((x) => x.name === want.name || x.port === want.number);
        if (!sp) {
          problems.push(`${id(ing)}: path ${p.path} to a port Service ${svcName} lacks`);
          continue;
        }
        const target = sp.targetPort ?? sp.port;
        for (const w of workloads(ctx).filter((x) => matches(serviceSelector(svc), podLabels(x)))) {
          for (const c of podSpec(w).containers || []) {
            const port = containerPort(c, target);
            if (port && port.containerPort === (containerPort(c, 'admin') || {}).containerPort)
              problems.push(`${id(ing)}: path ${p.path} reaches the admin port of ${id(w)}`);
          }
        }
      }
    }
  }
  for (const [p, svc] of [['/api', 'edge'], ['/health', 'edge'], ['/ws', 'notify']])
    if (!routes[p] || routes[p].svcName !== svc) problems.push(`Ingress: ${p} does not go to ${svc}`);
  if (routes['/ws']) {
    const ann = routes['/ws'].ing.metadata.annotations || {};
    for (const k of ['proxy-read-timeout', 'proxy-send-timeout'])
      if (!(Number(ann[`nginx.ingress.kubernetes.io/${k}`]) >= 3600))
        problems.push(`${id(routes['/ws'].ing)}: ${k} under an hour: WebSockets would be cut`);
  }
  return problems;
}

// HPAs and PDBs point at objects of this render; an HPA's target has CPU requests.
function checkScaling(ctx) {
  const problems = [];
  for (const hpa of ctx.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = hpa.spec.scaleTargetRef;
    const t = find(ctx, ref.kind, ref.name);
    if (!t) problems.push(`${id(hpa)}: targets missing ${ref.kind}/${ref.name}`);
    else if (t.spec.replicas !== undefined) problems.push(`${id(hpa)}: ${ref.kind}/${ref.name} sets replicas, which each apply would reset`);
    else for (const c of podSpec(t).containers || [])
      if (!((c.resources || {}).requests || {}).cpu) problems.push(`${id(hpa)}: ${id(t)} has no CPU request to measure against`);
  }
  for (const pdb of ctx.objects.filter((o) => o.kind === 'PodDisruptionBudget'))
    if (!workloads(ctx, LONG_RUNNING).some((w) => matches(pdb.spec.selector, podLabels(w))))
      problems.push(`${id(pdb)}: selects no pods of this render`);
  for (const w of workloads(ctx, LONG_RUNNING))
    if (!ctx.objects.some((o) => o.kind === 'PodDisruptionBudget' && matches(o.spec.selector, podLabels(w))))
      problems.push(`${id(w)}: no PodDisruptionBudget`);
  return problems;
}

// Labels and namespace: every pod names its process and busd; every namespaced object is
// in the namespace; every NetworkPolicy selects pods of this render (or all of them).
function checkLabels(ctx) {
  const problems = [];
  for (const o of ctx.objects) {
    if (o.kind !== 'Namespace' && (o.metadata || {}).namespace !== ctx.namespace)
      problems.push(`${id(o)}: not in namespace ${ctx.namespace}`);
  }
  for (const w of workloads(ctx)) {
    const l = podLabels(w);
    if (l['app.kubernetes.io/name'] !== w.metadata.name) problems.push(`${id(w)}: pod label app.kubernetes.io/name is not ${w.metadata.name}`);
    if (l['app.kubernetes.io/part-of'] !== 'busd') problems.push(`${id(w)}: pod label app.kubernetes.io/part-of is not busd`);
  }
  for (const np of ctx.objects.filter((o) => o.kind === 'NetworkPolicy')) {
    const sel = np.spec.podSelector || {};
    const empty = !Object.keys(sel.matchLabels || {}).length && !(sel.matchExpressions || []).length;
    if (!empty && !workloads(ctx).some((w) => matches(sel, podLabels(w))))
      problems.push(`${id(np)}: selects no pods of this render`);
  }
  return problems;
}

const RULES = {
  'schema (kubernetes-models)': checkSchema,
  'containers: resources, non-root, read-only root': checkContainers,
  'images: busd, binary in args': checkImages,
  'probes and metrics on the admin port': checkProbes,
  'env: only names the process reads': checkEnv,
  'secrets and CURVE certificates': checkSecrets,
  'wiring: bus endpoints, binds, ports': checkWiring,
  'services select pods and ports': checkServices,
  'ingress: /api /health /ws only': checkIngress,
  'hpa and pdb targets': checkScaling,
  'labels, namespace, network policies': checkLabels,
};

// --- proof that the rules can fail ----------------------------------------------------

const clone = (x) => JSON.parse(JSON.stringify(x));
const dep = (objs, name) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
const ctr = (objs, name) => podSpec(dep(objs, name)).containers[0];

// Each breaks one thing in a copy of the render; the rule named must then fail.
const MUTANTS = [
  ['no readiness probe on edge', 'probes and metrics on the admin port', (o) => { delete ctr(o, 'edge').readinessProbe; }],
  ['probe on the public port', 'probes and metrics on the admin port', (o) => { ctr(o, 'users').livenessProbe.httpGet.port = 9999; }],
  ['no memory limit', 'containers: resources, non-root, read-only root', (o) => { delete ctr(o, 'orders').resources.limits.memory; }],
  ['writable root', 'containers: resources, non-root, read-only root', (o) => { ctr(o, 'messages').securityContext.readOnlyRootFilesystem = false; }],
  ['another image', 'images: busd, binary in args', (o) => { ctr(o, 'notify').image = 'nginx:1.25'; }],
  ['command replaces tini', 'images: busd, binary in args', (o) => { ctr(o, 'edge').command = ['edge']; }],
  ['an env name no process reads', 'env: only names the process reads', (o) => { ctr(o, 'edge').env.push({ name: 'EDGE_THREDS', value: '8' }); }],
  ['a notify setting on the edge', 'env: only names the process reads', (o) => { ctr(o, 'edge').env.push({ name: 'NOTIFY_BIND', value: '0.0.0.0' }); }],
  ['another role\'s certificate', 'secrets and CURVE certificates', (o) => { podSpec(dep(o, 'orders')).volumes.find((v) => v.name === 'curve-secret').secret.secretName = 'busd-curve-users'; }],
  ['notify on loopback', 'wiring: bus endpoints, binds, ports', (o) => { ctr(o, 'notify').env.find((e) => e.name === 'NOTIFY_BIND').value = '127.0.0.1'; }],
  ['bus endpoint not the headless name', 'wiring: bus endpoints, binds, ports', (o) => { ctr(o, 'edge').env.find((e) => e.name === 'BUS_CLIENT_ENDPOINT').valueFrom = undefined; ctr(o, 'edge').env.find((e) => e.name === 'BUS_CLIENT_ENDPOINT').value = 'tcp://broker-0:5555'; }],
  ['Service selects nothing', 'services select pods and ports', (o) => { o.find((x) => x.kind === 'Service' && x.metadata.name === 'edge').spec.selector = { 'app.kubernetes.io/name': 'egde' }; }],
  ['Service port to no container port', 'services select pods and ports', (o) => { o.find((x) => x.kind === 'Service' && x.metadata.name === 'notify').spec.ports[0].targetPort = 8082; }],
  ['/metrics through the Ingress', 'ingress: /api /health /ws only', (o) => { o.find((x) => x.kind === 'Ingress').spec.rules[0].http.paths.push({ path: '/metrics', pathType: 'Prefix', backend: { service: { name: 'edge', port: { name: 'http' } } } }); }],
  ['HPA on a missing Deployment', 'hpa and pdb targets', (o) => { const h = o.find((x) => x.kind === 'HorizontalPodAutoscaler'); if (h) h.spec.scaleTargetRef.name = 'edges'; else o.find((x) => x.kind === 'PodDisruptionBudget').spec.selector.matchLabels = { 'app.kubernetes.io/name': 'edges' }; }],
  ['a field of the wrong type', 'schema (kubernetes-models)', (o) => { podSpec(dep(o, 'edge')).terminationGracePeriodSeconds = 'thirty'; }],
];

// --- main -----------------------------------------------------------------------------

function main() {
  const args = parseArgs(process.argv.slice(2));
  const binaries = findBinaries(args.root);
  const env = envTable(args.root, binaries);
  const secrets = args.secrets
    ? fs.readdirSync(args.secrets).filter((f) => f.endsWith('.yaml')).flatMap((f) => loadDocs(path.join(args.secrets, f)))
    : [];
  let passed = 0;
  let failed = 0;
  const report = (ok, label, problems = []) => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok' : 'not ok'} - ${label}`);
    for (const p of problems.slice(0, 20)) console.log(`    ${p}`);
    if (problems.length > 20) console.log(`    ... and ${problems.length - 20} more`);
  };
  if (!args.secrets) console.log('# no Secrets given (secrets.sh not run): Secret keys are not checked');
  else report(checkSchema({ objects: secrets }).length === 0, 'secrets.sh: its Secrets are valid', checkSchema({ objects: secrets }));

  const contexts = args.renders.map((r) => ({
    name: r.name, objects: loadDocs(r.file), secrets, binaries, env, namespace: 'busd',
  }));
  for (const ctx of contexts)
    for (const [label, rule] of Object.entries(RULES)) {
      const problems = rule(ctx);
      report(problems.length === 0, `${ctx.name}: ${label}`, problems);
    }
  // Every mutant of every render must be caught by its rule.
  for (const base of contexts)
    for (const [what, ruleName, mutate] of MUTANTS) {
      const objects = clone(base.objects);
      mutate(objects);
      const problems = RULES[ruleName]({ ...base, objects });
      report(problems.length > 0, `${base.name}: mutant caught (${what}): ${problems[0] || 'NOT CAUGHT'}`);
    }
  console.log(`check: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
