/** Bundle entry point of the risk snapshot function (see `handler.ts`). */
export { handler } from "./handler";
