/** The part of dynalite's (untyped) API the local harness uses. */
declare module "dynalite" {
  import type { Server } from "node:http";
  interface DynaliteOptions {
    /** Milliseconds CreateTable takes to make a table ACTIVE. @default 500 */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** Directory for LevelDB; omitted: in memory. */
    path?: string;
  }
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
