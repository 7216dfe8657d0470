import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./style.css";
import "./body.css";

export const metadata: Metadata = {
  title: { default: "Mail archive", template: "%s | Mail archive" },
  description: "Public mailing-list archive",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
