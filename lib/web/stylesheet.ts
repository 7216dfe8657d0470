// The archive's static files, read once per process: the stylesheet, served
// under a name holding its hash so browsers and proxies may keep it for a
// year, and the icon.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface Stylesheet {
  href: string;
  file: string;
  body: Buffer;
  etag: string;
  icon: Buffer;
}

export function loadStylesheet(root: string): Stylesheet {
  const body = Buffer.concat(["app/style.css", "app/body.css"].map((f) => fs.readFileSync(path.join(root, f))));
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
  const file = `style.${hash}.css`;
  return { href: `/_/${file}`, file, body, etag: `"${hash}"`, icon: fs.readFileSync(path.join(root, "app/icon.svg")) };
}
