/**
 * `npm run bench -- <name> [--quick]`: runs one benchmark by name (and `chat-profile` and
 * `chat-ab`, diagnostics that take their own options).
 */
// Benchmarks that host the product in this process run it with its entry point's settings.
import '@twin/platform/runtime-flags';

const benchmarks: Record<string, () => Promise<{ run: (options: { quick: boolean; args: readonly string[] }) => Promise<void> }>> = {
  platform: () => import('./platform.ts'),
  chat: () => import('./chat.ts'),
  transcode: () => import('./transcode.ts'),
  views: () => import('./views.ts'),
  origin: () => import('./origin.ts'),
  search: () => import('./search.ts'),
  mls: () => import('./mls.ts'),
  'chat-profile': () => import('./chat-profile.ts'),
  'chat-ab': () => import('./chat-ab.ts'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name ? benchmarks[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench -- <${Object.keys(benchmarks).join('|')}> [--quick]`);
  process.exit(2);
}
await (await load()).run({ quick: rest.includes('--quick'), args: rest });
