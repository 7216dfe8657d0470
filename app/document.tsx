// The HTML shell of every page: no scripts, one stylesheet from this origin.
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";

const SITE = "Mail archive";

export function Document({ title, stylesheet, noindex, children }: { title: string; stylesheet: string; noindex?: boolean; children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title ? `${title} | ${SITE}` : SITE}</title>
        {noindex ? <meta name="robots" content="noindex" /> : null}
        <link rel="stylesheet" href={stylesheet} />
        <link rel="icon" href="/_/icon.svg" />
      </head>
      <body>{children}</body>
    </html>
  );
}

/** A whole page as HTML text. React escapes every string: mail never becomes markup. */
export function renderDocument(props: { title: string; stylesheet: string; noindex?: boolean }, body: ReactNode): string {
  return `<!DOCTYPE html>${renderToStaticMarkup(<Document {...props}>{body}</Document>)}`;
}
