import type { RequestInput, RequestName, RequestOutput } from '../../../electron/api.js';
import { notices } from '../state/notices.svelte.js';
import { bridge } from './transport.js';

/**
 * Sends a request and returns its value, or null after showing the error to the user.
 * Every view calls the back end through here, so no error goes unreported.
 */
export async function call<N extends RequestName>(
  name: N,
  input: RequestInput<N>,
): Promise<RequestOutput<N> | null> {
  const result = await bridge.request(name, input);
  if (result.ok) return result.value;
  notices.error(result.error);
  return null;
}

export { bridge };
