export { decide, evaluate } from "../src/domain/decide-impl.ts"
export { parseDockerCommand } from "../src/adapters/docker-cli/parse.ts"
export { resolvePolicySync } from "../src/adapters/policy-store/resolve.ts"
