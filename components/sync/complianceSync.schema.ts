/**
 * The schema of {@link ComplianceSyncArgs}: shape and types, strict at every depth.
 * `resolveComplianceSyncArgs` runs it first; the stack config's
 * `complianceCustomInventoryTypes` key is {@link InventoryTypeSpecSchema} in a list, so it
 * fails with the same words as the component argument. Names, regions, accounts and day
 * ranges are checked afterwards by the resolver.
 */
import { z } from "zod";
import { pulumiInput, strictObject, wholeNumber } from "../shared/argsSchema";

/** One custom inventory type to catalogue, with its attribute columns. */
export const InventoryTypeSpecSchema = strictObject({
  typeName: z
    .string()
    .describe("Inventory type name as it appears in the sync's keys, e.g. Custom:Antivirus."),
  columns: z
    .array(z.string())
    .describe("Attribute columns in lower case (the sync's metadata columns are added)."),
});

/** Schema of every {@link ComplianceSyncArgs} property. */
export const ComplianceSyncArgsSchema = strictObject({
  prefix: z.string().optional(),
  syncName: z.string().optional(),
  additionalSyncRegions: z.array(z.string()).optional(),
  sourceAccountIds: z.array(z.string()).optional(),
  queryRegions: z.array(z.string()).optional(),
  kmsKeyArn: pulumiInput(z.string()).optional(),
  createKmsKey: z.boolean().optional(),
  retainDataOnDelete: z.boolean().optional(),
  protectData: z.boolean().optional(),
  staleComplianceDays: wholeNumber().optional(),
  staleInventoryDays: wholeNumber().optional(),
  noncurrentVersionDays: wholeNumber().optional(),
  databaseName: z.string().optional(),
  customInventoryTypes: z.array(InventoryTypeSpecSchema).optional(),
  workgroupName: z.string().optional(),
  bytesScannedCutoffPerQuery: wholeNumber().optional(),
  resultsExpirationDays: wholeNumber().optional(),
  modeTagKey: z.string().optional(),
  environmentTagKey: z.string().optional(),
  fleetTagKey: z.string().optional(),
  fleetName: z.string().optional(),
  tags: pulumiInput(z.record(z.string(), pulumiInput(z.string()))).optional(),
});
