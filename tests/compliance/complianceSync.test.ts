import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  ACCOUNT_ID,
  REGION,
  RecordedResource,
  allResources,
  installMocks,
  unwrap,
} from "../support/pulumiMocks";

// pulumiMocks records the parent but not the resource options; capture the few that matter.
interface Flags {
  retainOnDelete: boolean;
  protect: boolean;
  dependencies: string[];
}
const flags = new Map<string, Flags>();
/** The parts of the engine's RegisterResourceRequest read here. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getRetainondelete(): boolean | undefined;
  getProtect(): boolean | undefined;
  getDependenciesList(): string[];
}
type Register = (req: RegisterRequest, callback: unknown) => unknown;

/**
 * Installs the mocks and wraps the monitor to capture options. Runs in `before`, not at load:
 * other spec files install their own mocks when mocha loads them.
 */
function installMocksCapturingOptions(): void {
  installMocks();
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: Register };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    flags.set(`${req.getType()}::${req.getName()}`, {
      retainOnDelete: req.getRetainondelete() === true,
      protect: req.getProtect() === true,
      // Only the logical names: real URNs embed the parent chain.
      dependencies: req
        .getDependenciesList()
        .map((u) => u.split("::").pop() as string)
        .sort(),
    });
    return register(req, callback);
  };
}

type Module = typeof import("../../components/sync/complianceSync");
type Sql = typeof import("../../components/sync/complianceSync.sql");
let mod: Module;
let sql: Sql;

const COMPONENT = "ssm-hybrid-fleet:compliance:ComplianceSync";
const urn = (type: string, name: string) => `urn:pulumi:dev::ssm-hybrid-fleet::${type}::${name}`;

/** Children of the component named `name`, by `type::name`. */
function childrenOf(name: string): Map<string, RecordedResource> {
  const parent = urn(COMPONENT, name);
  return new Map(
    allResources()
      .filter((r) => r.parent === parent)
      .map((r) => [`${r.type}::${r.name}`, r]),
  );
}

function child(name: string, type: string, childName: string): RecordedResource {
  const found = childrenOf(name).get(`${type}::${childName}`);
  assert.ok(
    found,
    `missing ${type}::${childName}; have ${[...childrenOf(name).keys()].join(", ")}`,
  );
  return found;
}

/** Waits until Pulumi has registered everything the component started. */
async function build(
  name: string,
  args: import("../../components/sync/complianceSync").ComplianceSyncArgs,
): Promise<import("../../components/sync/complianceSync").ComplianceSync> {
  const c = new mod.ComplianceSync(name, args);
  await unwrap(
    pulumi
      .all([c.bucketName, c.workgroupName, ...Object.values(c.namedQueryIds)])
      .apply(() => true),
  );
  await new Promise((r) => setTimeout(r, 50));
  return c;
}

const TLS_DENY = (bucket: string) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

const BUILTIN_TABLES = [
  "aws_complianceitem",
  "aws_compliancesummary",
  "aws_instanceinformation",
  "aws_tag",
  "aws_patchsummary",
];

describe("ComplianceSync component (mocks)", () => {
  before(async () => {
    installMocksCapturingOptions();
    mod = await import("../../components/sync/complianceSync");
    sql = await import("../../components/sync/complianceSync.sql");
  });

  describe("defaults: SSE-S3, one region, this account", () => {
    let c: import("../../components/sync/complianceSync").ComplianceSync;
    before(async () => {
      c = await build("fleet", {});
    });

    it("creates exactly the expected children, all parented to the component", () => {
      const names = [...childrenOf("fleet").keys()].sort();
      assert.deepEqual(names, [
        "aws:athena/namedQuery:NamedQuery::fleet-fleet-compliance",
        "aws:athena/namedQuery:NamedQuery::fleet-machine-picture",
        "aws:athena/namedQuery:NamedQuery::fleet-noncompliant-machines",
        "aws:athena/namedQuery:NamedQuery::fleet-not-seen",
        "aws:athena/namedQuery:NamedQuery::fleet-view-fleet-compliance-by-control",
        "aws:athena/namedQuery:NamedQuery::fleet-view-instance-context",
        "aws:athena/namedQuery:NamedQuery::fleet-view-noncompliant-findings",
        "aws:athena/workgroup:Workgroup::fleet-workgroup",
        "aws:glue/catalogDatabase:CatalogDatabase::fleet-db",
        "aws:glue/catalogTable:CatalogTable::fleet-aws-complianceitem",
        "aws:glue/catalogTable:CatalogTable::fleet-aws-compliancesummary",
        "aws:glue/catalogTable:CatalogTable::fleet-aws-instanceinformation",
        "aws:glue/catalogTable:CatalogTable::fleet-aws-patchsummary",
        "aws:glue/catalogTable:CatalogTable::fleet-aws-tag",
        "aws:s3/bucket:Bucket::fleet-data",
        "aws:s3/bucket:Bucket::fleet-results",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::fleet-data-lifecycle",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::fleet-results-lifecycle",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::fleet-data-ownership",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::fleet-results-ownership",
        "aws:s3/bucketPolicy:BucketPolicy::fleet-data-policy",
        "aws:s3/bucketPolicy:BucketPolicy::fleet-results-policy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::fleet-data-public-access",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::fleet-results-public-access",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::fleet-data-encryption",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::fleet-results-encryption",
        "aws:s3/bucketVersioning:BucketVersioning::fleet-data-versioning",
        "aws:ssm/resourceDataSync:ResourceDataSync::fleet-sync",
      ]);
    });

    it("keeps the data bucket and its settings on delete, but not the disposable parts", () => {
      const kept = [...childrenOf("fleet").keys()].filter((k) => flags.get(k)?.retainOnDelete);
      assert.deepEqual(kept.sort(), [
        "aws:s3/bucket:Bucket::fleet-data",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::fleet-data-lifecycle",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::fleet-data-ownership",
        "aws:s3/bucketPolicy:BucketPolicy::fleet-data-policy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::fleet-data-public-access",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::fleet-data-encryption",
        "aws:s3/bucketVersioning:BucketVersioning::fleet-data-versioning",
      ]);
      assert.equal([...childrenOf("fleet").keys()].filter((k) => flags.get(k)?.protect).length, 0);
    });

    it("data bucket: versioned, SSE-S3, private, owner-enforced, never force-destroyed", () => {
      assert.equal(child("fleet", "aws:s3/bucket:Bucket", "fleet-data").inputs.forceDestroy, false);
      assert.deepEqual(
        child(
          "fleet",
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "fleet-data-encryption",
        ).inputs.rules,
        [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      );
      assert.deepEqual(
        child("fleet", "aws:s3/bucketVersioning:BucketVersioning", "fleet-data-versioning").inputs
          .versioningConfiguration,
        { status: "Enabled" },
      );
      const pab = child(
        "fleet",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "fleet-data-public-access",
      ).inputs;
      assert.deepEqual(
        [
          pab.blockPublicAcls,
          pab.blockPublicPolicy,
          pab.ignorePublicAcls,
          pab.restrictPublicBuckets,
        ],
        [true, true, true, true],
      );
      assert.deepEqual(
        child(
          "fleet",
          "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
          "fleet-data-ownership",
        ).inputs.rule,
        { objectOwnership: "BucketOwnerEnforced" },
      );
    });

    it("data bucket policy: TLS-only plus the documented Resource Data Sync statements", () => {
      const policy = JSON.parse(
        child("fleet", "aws:s3/bucketPolicy:BucketPolicy", "fleet-data-policy").inputs.policy,
      );
      assert.deepEqual(policy, {
        Version: "2012-10-17",
        Statement: [
          TLS_DENY("fleet-data"),
          {
            Sid: "SSMBucketPermissionsCheck",
            Effect: "Allow",
            Principal: { Service: "ssm.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: "arn:aws:s3:::fleet-data",
          },
          {
            Sid: "SSMBucketDelivery",
            Effect: "Allow",
            Principal: { Service: "ssm.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: [`arn:aws:s3:::fleet-data/ssm-sync/*/accountid=${ACCOUNT_ID}/*`],
            Condition: {
              StringEquals: {
                "s3:x-amz-acl": "bucket-owner-full-control",
                "aws:SourceAccount": ACCOUNT_ID,
              },
              ArnLike: { "aws:SourceArn": `arn:aws:ssm:*:${ACCOUNT_ID}:resource-data-sync/*` },
            },
          },
        ],
      });
      // The policy must not race the public access block (S3 rejects it meanwhile).
      assert.deepEqual(
        flags.get("aws:s3/bucketPolicy:BucketPolicy::fleet-data-policy")?.dependencies,
        ["fleet-data", "fleet-data-ownership", "fleet-data-public-access"],
      );
    });

    it("data lifecycle: stale compliance files after 90 days, noncurrent versions after 30", () => {
      assert.deepEqual(
        child(
          "fleet",
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
          "fleet-data-lifecycle",
        ).inputs.rules,
        [
          {
            id: "expire-stale-aws-complianceitem",
            status: "Enabled",
            filter: { prefix: "ssm-sync/AWS:ComplianceItem/" },
            expiration: { days: 90 },
          },
          {
            id: "expire-stale-aws-compliancesummary",
            status: "Enabled",
            filter: { prefix: "ssm-sync/AWS:ComplianceSummary/" },
            expiration: { days: 90 },
          },
          {
            id: "expire-stale-aws-patchsummary",
            status: "Enabled",
            filter: { prefix: "ssm-sync/AWS:PatchSummary/" },
            expiration: { days: 90 },
          },
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { expiredObjectDeleteMarker: true },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      );
    });

    it("one Resource Data Sync in the stack's region, after the bucket is ready", () => {
      const sync = child("fleet", "aws:ssm/resourceDataSync:ResourceDataSync", "fleet-sync");
      assert.deepEqual(sync.inputs, {
        name: "fleet",
        s3Destination: {
          bucketName: "fleet-data",
          region: REGION,
          prefix: "ssm-sync",
          syncFormat: "JsonSerDe",
        },
      });
      assert.deepEqual(
        flags.get("aws:ssm/resourceDataSync:ResourceDataSync::fleet-sync")?.dependencies,
        ["fleet-data", "fleet-data-encryption", "fleet-data-policy"],
      );
    });

    it("Glue tables: explicit columns, OpenX SerDe case-insensitive, enum partition projection", () => {
      const db = child("fleet", "aws:glue/catalogDatabase:CatalogDatabase", "fleet-db");
      assert.equal(db.inputs.name, "fleet");
      const item = child(
        "fleet",
        "aws:glue/catalogTable:CatalogTable",
        "fleet-aws-complianceitem",
      ).inputs;
      assert.deepEqual(item, {
        name: "aws_complianceitem",
        databaseName: "fleet",
        description:
          "Resource Data Sync AWS:ComplianceItem (one line per item, newline-delimited JSON)",
        tableType: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "json",
          "projection.accountid.type": "enum",
          "projection.accountid.values": ACCOUNT_ID,
          "projection.enabled": "true",
          "projection.region.type": "enum",
          "projection.region.values": REGION,
          "projection.resourcetype.type": "enum",
          "projection.resourcetype.values": "ManagedInstanceInventory",
          "storage.location.template":
            "s3://fleet-data/ssm-sync/AWS:ComplianceItem/accountid=${accountid}/region=${region}/resourcetype=${resourcetype}",
        },
        partitionKeys: [
          { name: "accountid", type: "string" },
          { name: "region", type: "string" },
          { name: "resourcetype", type: "string" },
        ],
        storageDescriptor: {
          location: "s3://fleet-data/ssm-sync/AWS:ComplianceItem/",
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serDeInfo: {
            name: "OpenXJsonSerDe",
            serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
            parameters: { "case.insensitive": "TRUE", "serialization.format": "1" },
          },
          columns: [
            ...sql.BUILTIN_INVENTORY_TYPES[0].columns,
            "resourceid",
            "capturetime",
            "schemaversion",
          ].map((name) => ({ name, type: "string" })),
        },
      });
      const tables = [...childrenOf("fleet").values()]
        .filter((r) => r.type === "aws:glue/catalogTable:CatalogTable")
        .map((r) => r.inputs.name)
        .sort();
      assert.deepEqual(tables, [...BUILTIN_TABLES].sort());
      const info = child(
        "fleet",
        "aws:glue/catalogTable:CatalogTable",
        "fleet-aws-instanceinformation",
      );
      const cols = info.inputs.storageDescriptor.columns.map((col: { name: string }) => col.name);
      assert.ok(
        !cols.includes("resourcetype"),
        "the ResourceType attribute would collide with the partition",
      );
    });

    it("Athena workgroup: enforced, SSE-S3 results in their own bucket, 1 GiB cutoff", () => {
      const wg = child("fleet", "aws:athena/workgroup:Workgroup", "fleet-workgroup").inputs;
      assert.equal(wg.name, "fleet");
      assert.equal(wg.state, "ENABLED");
      assert.deepEqual(wg.configuration, {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 1073741824,
        engineVersion: { selectedEngineVersion: "Athena engine version 3" },
        resultConfiguration: {
          outputLocation: "s3://fleet-results/athena-results/",
          expectedBucketOwner: ACCOUNT_ID,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      });
    });

    it("results bucket: TLS-only, encrypted, private, results expire after 7 days", () => {
      assert.deepEqual(
        JSON.parse(
          child("fleet", "aws:s3/bucketPolicy:BucketPolicy", "fleet-results-policy").inputs.policy,
        ),
        { Version: "2012-10-17", Statement: [TLS_DENY("fleet-results")] },
      );
      assert.deepEqual(
        child(
          "fleet",
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
          "fleet-results-lifecycle",
        ).inputs.rules,
        [
          {
            id: "expire-query-results",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { days: 7 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      );
      assert.deepEqual(
        child(
          "fleet",
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "fleet-results-encryption",
        ).inputs.rules,
        [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      );
      const pab = child(
        "fleet",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "fleet-results-public-access",
      ).inputs;
      assert.deepEqual(
        [
          pab.blockPublicAcls,
          pab.blockPublicPolicy,
          pab.ignorePublicAcls,
          pab.restrictPublicBuckets,
        ],
        [true, true, true, true],
      );
    });

    it("saves every view DDL and query, in the workgroup, with the builders' exact SQL", () => {
      const ctx = {
        database: "fleet",
        modeTagKey: "ComplianceMode",
        environmentTagKey: "Environment",
        fleetTagKey: "HybridFleet",
        fleetName: undefined,
      };
      const expected = [...sql.complianceViews(ctx), ...sql.savedQueries(ctx)];
      const saved = [...childrenOf("fleet").values()].filter(
        (r) => r.type === "aws:athena/namedQuery:NamedQuery",
      );
      assert.equal(saved.length, expected.length);
      for (const q of expected) {
        const found = saved.find((r) => r.inputs.name === q.title);
        assert.ok(found, `no named query ${q.title}`);
        assert.deepEqual(found.inputs, {
          name: q.title,
          description: q.description,
          database: "fleet",
          workgroup: "fleet",
          query: q.sql,
        });
        assert.ok(q.description.length <= 1024);
      }
    });

    it("outputs: no key, no key statement to add, names of everything", async () => {
      assert.equal(await unwrap(c.kmsKeyArn), undefined);
      assert.equal(await unwrap(c.requiredKeyPolicyStatement), undefined);
      assert.equal(await unwrap(c.bucketName), "fleet-data");
      assert.equal(await unwrap(c.resultsBucketName), "fleet-results");
      assert.equal(await unwrap(c.databaseName), "fleet");
      assert.deepEqual(Object.keys(c.syncNames), ["default"]);
      assert.deepEqual(Object.keys(c.tableNames).sort(), [
        "AWS:ComplianceItem",
        "AWS:ComplianceSummary",
        "AWS:InstanceInformation",
        "AWS:PatchSummary",
        "AWS:Tag",
      ]);
      assert.equal(Object.keys(c.namedQueryIds).length, 7);
    });
  });

  describe("created KMS key, two regions, two accounts, a fleet filter, custom types", () => {
    const OTHER = "999988887777";
    const KEY = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/kms-fleet-key`;
    before(async () => {
      await build("kms-fleet", {
        createKmsKey: true,
        additionalSyncRegions: ["us-east-1"],
        sourceAccountIds: [ACCOUNT_ID, OTHER],
        prefix: "inventory/prod",
        fleetName: "acme",
        customInventoryTypes: [
          { typeName: "Custom:AntivirusStatus", columns: ["product", "signatureage"] },
        ],
        protectData: true,
      });
    });

    it("creates a rotating key whose policy grants the sync exactly as documented", () => {
      const key = child("kms-fleet", "aws:kms/key:Key", "kms-fleet-key").inputs;
      assert.equal(key.enableKeyRotation, true);
      assert.equal(key.deletionWindowInDays, 30);
      const policy = JSON.parse(
        child("kms-fleet", "aws:kms/keyPolicy:KeyPolicy", "kms-fleet-key-policy").inputs.policy,
      );
      assert.deepEqual(policy, {
        Version: "2012-10-17",
        Id: "ssm-access-policy",
        Statement: [
          {
            Sid: "EnableIamPolicies",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
            Action: "kms:*",
            Resource: KEY,
          },
          {
            Sid: "ssm-access-policy-statement",
            Effect: "Allow",
            Principal: { Service: "ssm.amazonaws.com" },
            Action: ["kms:GenerateDataKey"],
            Resource: KEY,
            Condition: {
              StringLike: { "aws:SourceAccount": [ACCOUNT_ID, OTHER] },
              ArnLike: {
                "aws:SourceArn": [
                  `arn:aws:ssm:*:${ACCOUNT_ID}:resource-data-sync/*`,
                  `arn:aws:ssm:*:${OTHER}:resource-data-sync/*`,
                ],
              },
            },
          },
        ],
      });
    });

    it("bucket policy requires the key on every delivered object, for both accounts", () => {
      const policy = JSON.parse(
        child("kms-fleet", "aws:s3/bucketPolicy:BucketPolicy", "kms-fleet-data-policy").inputs
          .policy,
      );
      assert.deepEqual(policy.Statement[2], {
        Sid: "SSMBucketDelivery",
        Effect: "Allow",
        Principal: { Service: "ssm.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: [
          `arn:aws:s3:::kms-fleet-data/inventory/prod/*/accountid=${ACCOUNT_ID}/*`,
          `arn:aws:s3:::kms-fleet-data/inventory/prod/*/accountid=${OTHER}/*`,
        ],
        Condition: {
          StringEquals: {
            "s3:x-amz-acl": "bucket-owner-full-control",
            "aws:SourceAccount": [ACCOUNT_ID, OTHER],
            "s3:x-amz-server-side-encryption": "aws:kms",
            "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY,
          },
          ArnLike: {
            "aws:SourceArn": [
              `arn:aws:ssm:*:${ACCOUNT_ID}:resource-data-sync/*`,
              `arn:aws:ssm:*:${OTHER}:resource-data-sync/*`,
            ],
          },
        },
      });
    });

    it("one sync per region, both with the key, both after the key policy", () => {
      const home = child(
        "kms-fleet",
        "aws:ssm/resourceDataSync:ResourceDataSync",
        "kms-fleet-sync",
      ).inputs;
      const east = child(
        "kms-fleet",
        "aws:ssm/resourceDataSync:ResourceDataSync",
        "kms-fleet-sync-us-east-1",
      ).inputs;
      const destination = {
        bucketName: "kms-fleet-data",
        region: REGION,
        prefix: "inventory/prod",
        syncFormat: "JsonSerDe",
        kmsKeyArn: KEY,
      };
      // Named after the fleet (acme), not the component: stacks share accounts.
      assert.deepEqual(home, { name: "HybridFleet-acme", s3Destination: destination });
      assert.deepEqual(east, {
        name: "HybridFleet-acme",
        region: "us-east-1",
        s3Destination: destination,
      });
      for (const n of ["kms-fleet-sync", "kms-fleet-sync-us-east-1"]) {
        assert.ok(
          flags
            .get(`aws:ssm/resourceDataSync:ResourceDataSync::${n}`)
            ?.dependencies.includes("kms-fleet-key-policy"),
        );
      }
    });

    it("SSE-KMS with a bucket key for data and results; workgroup encrypts results with the key", () => {
      const kms = [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY },
          bucketKeyEnabled: true,
        },
      ];
      for (const n of ["kms-fleet-data-encryption", "kms-fleet-results-encryption"]) {
        assert.deepEqual(
          child(
            "kms-fleet",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            n,
          ).inputs.rules,
          kms,
        );
      }
      const wg = child("kms-fleet", "aws:athena/workgroup:Workgroup", "kms-fleet-workgroup").inputs;
      assert.deepEqual(wg.configuration.resultConfiguration.encryptionConfiguration, {
        encryptionOption: "SSE_KMS",
        kmsKeyArn: KEY,
      });
    });

    it("projects both accounts and both regions, and catalogues the custom type", () => {
      const custom = child(
        "kms-fleet",
        "aws:glue/catalogTable:CatalogTable",
        "kms-fleet-custom-antivirusstatus",
      ).inputs;
      assert.equal(custom.name, "custom_antivirusstatus");
      assert.equal(custom.databaseName, "hybrid_fleet_acme");
      assert.equal(custom.parameters["projection.accountid.values"], `${ACCOUNT_ID},${OTHER}`);
      assert.equal(custom.parameters["projection.region.values"], `${REGION},us-east-1`);
      assert.equal(
        custom.storageDescriptor.location,
        "s3://kms-fleet-data/inventory/prod/Custom:AntivirusStatus/",
      );
      assert.deepEqual(
        custom.storageDescriptor.columns.map((col: { name: string }) => col.name),
        ["product", "signatureage", "resourceid", "capturetime", "schemaversion"],
      );
    });

    it("protects and retains the data bucket and the key when asked", () => {
      for (const k of [
        "aws:s3/bucket:Bucket::kms-fleet-data",
        "aws:kms/key:Key::kms-fleet-key",
        "aws:kms/keyPolicy:KeyPolicy::kms-fleet-key-policy",
      ]) {
        assert.deepEqual([flags.get(k)?.protect, flags.get(k)?.retainOnDelete], [true, true], k);
      }
      assert.equal(flags.get("aws:s3/bucket:Bucket::kms-fleet-results")?.protect, false);
    });

    it("the fleet filter reaches the saved SQL", () => {
      const q = child(
        "kms-fleet",
        "aws:athena/namedQuery:NamedQuery",
        "kms-fleet-fleet-compliance",
      );
      assert.match(q.inputs.query, /WHERE t\.fleet = 'acme'/);
      assert.match(q.inputs.query, /FROM hybrid_fleet_acme\.aws_compliancesummary s/);
    });
  });

  describe("the user's own KMS key", () => {
    const USER_KEY =
      "arn:aws:kms:ap-southeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let c: import("../../components/sync/complianceSync").ComplianceSync;
    before(async () => {
      c = await build("byok", { kmsKeyArn: USER_KEY, retainDataOnDelete: false });
    });

    it("creates no key and returns the statement the user must add to theirs", async () => {
      assert.equal(
        [...childrenOf("byok").keys()].filter((k) => k.startsWith("aws:kms/")).length,
        0,
      );
      assert.equal(await unwrap(c.kmsKeyArn), USER_KEY);
      assert.deepEqual(JSON.parse((await unwrap(c.requiredKeyPolicyStatement)) as string), {
        Sid: "ssm-access-policy-statement",
        Effect: "Allow",
        Principal: { Service: "ssm.amazonaws.com" },
        Action: ["kms:GenerateDataKey"],
        Resource: USER_KEY,
        Condition: {
          StringLike: { "aws:SourceAccount": ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `arn:aws:ssm:*:${ACCOUNT_ID}:resource-data-sync/*` },
        },
      });
      const sync = child("byok", "aws:ssm/resourceDataSync:ResourceDataSync", "byok-sync").inputs;
      assert.equal(sync.s3Destination.kmsKeyArn, USER_KEY);
    });

    it("retainDataOnDelete: false lets the data bucket go with the stack", () => {
      assert.equal(flags.get("aws:s3/bucket:Bucket::byok-data")?.retainOnDelete, false);
    });
  });

  describe("validation", () => {
    const cases: [
      string,
      import("../../components/sync/complianceSync").ComplianceSyncArgs,
      string,
    ][] = [
      [
        "prefix with a leading slash",
        { prefix: "/ssm" },
        'prefix "/ssm" must be 1–256 characters of letters, digits, _ . - in /-separated segments, without leading or trailing /',
      ],
      [
        "both key options",
        { kmsKeyArn: "arn:aws:kms:x", createKmsKey: true },
        "kmsKeyArn and createKmsKey are mutually exclusive: pass one or neither",
      ],
      [
        "bad account",
        { sourceAccountIds: ["12345"] },
        'sourceAccountIds "12345" is not a 12-digit AWS account ID',
      ],
      [
        "bad region",
        { additionalSyncRegions: ["Sydney"] },
        'additionalSyncRegions "Sydney" is not an AWS region like ap-southeast-2',
      ],
      [
        "bad database",
        { databaseName: "Fleet-DB" },
        'databaseName "Fleet-DB" must match ^[a-z0-9_]{1,255}$',
      ],
      [
        "cutoff too small",
        { bytesScannedCutoffPerQuery: 1000 },
        "bytesScannedCutoffPerQuery must be a whole number of bytes ≥ 10485760 (10 MB), got 1000",
      ],
      [
        "stale days too short",
        { staleComplianceDays: 3 },
        "staleComplianceDays must be a whole number of days from 7 to 3650, got 3",
      ],
      [
        "aws: tag key",
        { modeTagKey: "aws:mode" },
        'modeTagKey "aws:mode" must be a tag key: 1–128 letters, digits, spaces or _ . : / = + - @, not starting with aws:',
      ],
      [
        "a fleet name that is not a tag value (it is spliced into SQL)",
        { fleetName: "acme' OR '1'='1" },
        `fleetName "acme' OR '1'='1" must be a tag value: 1–256 letters, digits, spaces or _ . : / = + - @`,
      ],
      [
        "custom column colliding with a partition",
        { customInventoryTypes: [{ typeName: "Custom:Av", columns: ["region"] }] },
        'customInventoryTypes[0].columns "region" is reserved (partitions accountid, region, resourcetype; metadata resourceid, capturetime, schemaversion are added automatically)',
      ],
      [
        "custom type shadowing a built-in table",
        { customInventoryTypes: [{ typeName: "AWS:Tag", columns: ["x"] }] },
        'customInventoryTypes has two types that map to table "aws_tag" (built-in types are AWS:ComplianceItem, AWS:ComplianceSummary, AWS:InstanceInformation, AWS:Tag, AWS:PatchSummary)',
      ],
      [
        "custom type name",
        { customInventoryTypes: [{ typeName: "Antivirus", columns: ["x"] }] },
        'customInventoryTypes[0].typeName "Antivirus" must be AWS:<Name> or Custom:<Name> (letters, digits, _)',
      ],
    ];
    for (const [label, args, message] of cases) {
      it(`rejects ${label} with an exact message`, () => {
        assert.throws(() => mod.resolveComplianceSyncArgs("v", args), {
          name: "ArgumentError",
          message: `ComplianceSync: ${message}`,
        });
      });
    }

    it("validates before registering anything, even the component", async () => {
      const before = allResources().length;
      assert.throws(
        () => new mod.ComplianceSync("invalid", { prefix: "a//b" }),
        /^ArgumentError: ComplianceSync: prefix "a\/\/b"/,
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(allResources().length, before);
    });

    it("warns about deleting data with the stack and about expiring inventory", () => {
      assert.deepEqual(mod.complianceSyncWarnings(mod.resolveComplianceSyncArgs("v", {})), []);
      assert.deepEqual(
        mod.complianceSyncWarnings(
          mod.resolveComplianceSyncArgs("v", {
            retainDataOnDelete: false,
            staleInventoryDays: 400,
          }),
        ),
        [
          "ComplianceSync: retainDataOnDelete is false: destroying the stack deletes the synced compliance data and its history",
          "ComplianceSync: staleInventoryDays is 400: unchanged inventory is not re-sent, so live machines whose inventory and tags do not change lose those files",
        ],
      );
    });

    it("staleInventoryDays adds one expiry rule per non-compliance type", () => {
      const s = mod.resolveComplianceSyncArgs("v", { staleInventoryDays: 400 });
      assert.deepEqual(
        mod.dataLifecycleRules(s).map((r) => [r.id, r.filter.prefix, r.expiration?.days]),
        [
          ["expire-stale-aws-complianceitem", "ssm-sync/AWS:ComplianceItem/", 90],
          ["expire-stale-aws-compliancesummary", "ssm-sync/AWS:ComplianceSummary/", 90],
          ["expire-stale-aws-patchsummary", "ssm-sync/AWS:PatchSummary/", 90],
          ["expire-stale-aws-instanceinformation", "ssm-sync/AWS:InstanceInformation/", 400],
          ["expire-stale-aws-tag", "ssm-sync/AWS:Tag/", 400],
          ["expire-noncurrent-versions", "", undefined],
        ],
      );
    });
  });
});
