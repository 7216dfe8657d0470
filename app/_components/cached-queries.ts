// Per-request memoised reads: generateMetadata and the page ask for the same
// message, and React's cache() makes that one database read, not two.
import { cache } from "react";
import { getMessage } from "@/lib/message-queries";

export const getMessageOnce = cache(getMessage);
