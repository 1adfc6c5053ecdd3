// Build the dashboard into ../static (committed): our sources and uPlot's built files.
// Reproducible: `npm ci && npm run build` copies byte for byte; uPlot's version and
// integrity are pinned by package-lock.json.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static");
const uplot = join(here, "node_modules", "uplot");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "vendor"), { recursive: true });
for (const name of ["index.html", "app.js", "app.css"]) {
  copyFileSync(join(here, "src", name), join(out, name));
}
copyFileSync(join(uplot, "dist", "uPlot.iife.min.js"), join(out, "vendor", "uPlot.iife.min.js"));
copyFileSync(join(uplot, "dist", "uPlot.min.css"), join(out, "vendor", "uPlot.min.css"));
copyFileSync(join(uplot, "LICENSE"), join(out, "vendor", "uPlot.LICENSE"));
const version = JSON.parse(readFileSync(join(uplot, "package.json"), "utf8")).version;
writeFileSync(
  join(out, "vendor", "README.md"),
  `Built by src/thingmind/web/frontend (npm ci && npm run build); do not edit.\n\nuPlot ${version} (MIT), https://github.com/leeoniya/uPlot\n`,
);
console.log(`dashboard built into ${out} (uPlot ${version})`);
