// npm run train:example [-- --out FILE] [-- name=value …]
// Trains the example CNN on generated shapes with a fixed seed and writes its
// weights, the settings and the held-out accuracy to examples/cnn/weights.json.
// The TypeScript modules are loaded through Vite (Node 20 cannot run .ts).
// `name=value` overrides one of the settings (e.g. epochs=3), for experiments.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : fileURLToPath(new URL('./weights.json', import.meta.url));

async function main() {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    server: { middlewareMode: true, hmr: false },
    optimizeDeps: { noDiscovery: true },
  });
  try {
    const { train, evaluate, DEFAULT_SETTINGS } = await server.ssrLoadModule('/examples/cnn/training.ts');
    const { generate, CLASSES } = await server.ssrLoadModule('/examples/cnn/data.ts');
    const { ARCHITECTURE, weightsToJson, weightsFromJson } = await server.ssrLoadModule('/examples/cnn/network.ts');
    const settings = { ...DEFAULT_SETTINGS };
    for (const a of args.filter((a) => a.includes('='))) {
      const [name, value] = a.split('=');
      if (!(name in settings)) throw new Error(`unknown setting ${name}; settings: ${Object.keys(settings).join(', ')}`);
      settings[name] = Number(value);
    }
    console.log(`training: ${JSON.stringify(settings)}`);
    const started = Date.now();
    const { weights, history } = train(settings, (e) =>
      console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, train accuracy ${(100 * e.trainAccuracy).toFixed(1)}%, ${e.seconds.toFixed(1)} s`),
    );
    const seconds = (Date.now() - started) / 1000;
    // Score the weights exactly as they will be read back from the file.
    const json = weightsToJson(weights);
    const file = { format: 'webgpu-pool-cnn-example/1', architecture: { ...ARCHITECTURE, classNames: [...CLASSES] }, weights: json };
    const heldOutAccuracy = evaluate(weightsFromJson(file), generate(settings.heldOutCount, settings.heldOutSeed));
    const last = history[history.length - 1];
    const training = {
      ...settings,
      optimizer: 'Adam (beta1 0.9, beta2 0.999), step size / 10 for the last third of the epochs; He-normal initialization',
      finalLoss: Number(last.loss.toFixed(5)),
      trainAccuracy: Number(last.trainAccuracy.toFixed(4)),
      heldOutAccuracy: Number(heldOutAccuracy.toFixed(4)),
      seconds: Number(seconds.toFixed(1)),
    };
    const text = JSON.stringify(
      { format: file.format, architecture: file.architecture, training, weights: json },
      (key, value) => (Array.isArray(value) && typeof value[0] === 'number' ? JSON.stringify(value) : value),
      2,
    ).replace(/"(\[[^"]*\])"/g, '$1');
    writeFileSync(out, text + '\n');
    console.log(
      `held-out accuracy ${(100 * heldOutAccuracy).toFixed(1)}% on ${settings.heldOutCount} images (seed ${settings.heldOutSeed}); ${seconds.toFixed(1)} s; wrote ${out}`,
    );
  } finally {
    await server.close();
  }
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
