/** Test-side entry to the Pulumi mock runtime (shared with `npm run synth`). */
export * from "../../local/pulumiMocks";
