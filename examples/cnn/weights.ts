// Loads the committed weights (written by `npm run train:example`) in the page.
import { weightsFromJson, type Weights, type WeightsFile } from './network';

/** Fetches and checks weights.json next to this module. */
export async function loadWeights(url: URL | string = new URL('./weights.json', import.meta.url)): Promise<{ weights: Weights; file: WeightsFile }> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`weights: GET ${url} answered ${response.status}; run npm run train:example`);
  const file = (await response.json()) as WeightsFile;
  return { weights: weightsFromJson(file), file };
}
