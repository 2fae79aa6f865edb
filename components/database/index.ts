export { PostgresServer } from "./postgresServer";
export type { PostgresServerArgs } from "./postgresServer";
