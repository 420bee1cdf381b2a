// ESLint flat config: typescript-eslint's recommended rules plus Pulumi's own rules
// (e.g. no Outputs inside template literals).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "bin/**",
      "synth-out/**",
      "bench-out/**",
      ".test-build-*/**",
      "tests/fixtures/**",
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    plugins: { "@pulumi": pulumi },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // Examples carry their own tsconfig.json for `pulumi up` in their folder, where the package
    // resolves from their node_modules; linted here, they take the root's (which maps the
    // package name to its sources), so the type-aware Pulumi rules see real Output types.
    files: ["examples/**/*.ts"],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: ["./tsconfig.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Plain CommonJS helpers loaded by tools (mocha's reporter) before TypeScript is set up.
    files: ["**/*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
