// Renders one plain-text mail body as coloured, linkified text with long quotes folded.
// Mail is only ever emitted as React text children (never as HTML), and folding uses
// <details> so reading needs no client JavaScript.
import type { ReactNode } from "react";
import { renderBody, SEGMENT_CLASS, type Segment } from "@/lib/mail/render";

// Short quotes give context and stay open; only long ones are worth a click to expand.
const FOLD_QUOTE_LINES = 10;

// Even depths get a second colour (mutt-style) so nested replies are easy to tell apart;
// "q" stays on every quote so public-inbox stylesheets still apply.
function className(seg: Segment): string {
  const base = SEGMENT_CLASS[seg.kind];
  return seg.kind === "quote" && seg.depth !== undefined && seg.depth % 2 === 0 ? `${base} q2` : base;
}

function segmentNode(seg: Segment, key: string): ReactNode {
  if (seg.kind === "link" && seg.href !== undefined) {
    return (
      <a key={key} href={seg.href} rel="nofollow noopener noreferrer">
        {seg.text}
      </a>
    );
  }
  const cls = className(seg);
  // Unstyled text needs no wrapper element: fewer nodes for big patches.
  return cls === "" ? seg.text : <span key={key} className={cls}>{seg.text}</span>;
}

export function MessageBody({ text }: { text: string }) {
  const children: ReactNode[] = [];
  renderBody(text).forEach((block, b) => {
    const nodes = block.segments.map((seg, s) => segmentNode(seg, `${b}.${s}`));
    if (block.kind === "quote" && block.lines > FOLD_QUOTE_LINES) {
      children.push(
        <details key={b}>
          <summary>{`[... ${block.lines} lines of quoted text]`}</summary>
          {nodes}
        </details>,
      );
    } else {
      for (const node of nodes) children.push(node);
    }
  });
  return <pre className="body">{children}</pre>;
}
