// Vite configuration for the gameplan web UI.
// The build goes to ../build/web, which the C server serves for every non-/api path
// (falling back to index.html for client-side routes). In development (`npm run dev`)
// requests to /api are proxied to a running `gameplan serve` (GAMEPLAN_API, default
// http://127.0.0.1:8080).
import { defineConfig, type Plugin } from 'vite';

// govuk-frontend's service navigation carries an IE 9-11 hack, `(min-width: 0\\0)`,
// that Vite's CSS minifier (Lightning CSS) rejects (Sass emits it as U+FFFD). No supported browser needs it:
// drop that media condition from the compiled Sass before minification.
function dropIeHacks(): Plugin {
  return {
    name: 'gameplan:drop-ie-css-hacks',
    transform(code, id) {
      if (!/\.s?css($|\?)/.test(id)) return null;
      const out = code.replace(/@media [^{]*\(min-width: ?0(?:\\0|\uFFFD)\)[^{]*\{/g, '@media not all {');
      return out === code ? null : { code: out, map: null };
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [dropIeHacks()],
  build: {
    outDir: '../build/web',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 300,
    // Keep `make web` quiet: no per-plugin timing report (Sass dominates, as expected).
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  css: {
    preprocessorOptions: {
      scss: {
        // govuk-frontend is written for the modern Sass module system; keep its
        // own deprecation notices out of our build log.
        quietDeps: true,
      },
    },
  },
  server: {
    proxy: {
      '/api': process.env.GAMEPLAN_API ?? 'http://127.0.0.1:8080',
    },
  },
});
