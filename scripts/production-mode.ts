// Imported first by scripts/serve.ts: React picks its build when it is first
// loaded, and its development build (checks and warnings on every element)
// renders a thread page about 5 times slower. A server is production unless
// NODE_ENV says otherwise (`npm run dev` sets development).
process.env.NODE_ENV ??= "production";
