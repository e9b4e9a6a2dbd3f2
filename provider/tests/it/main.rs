//! gb-gateway's integration tests, one binary (one link of the in-process chain's
//! runtime instead of one per file): the in-process chain (`gb_chain::sandbox`) with
//! the three contracts deployed by `gb_deploy::suite::deploy`, a real upstream HTTP
//! server on loopback, gateways in this process or as the `gb-gateway` binary.
//!
//! Needs the contract bundles (`GB_BUNDLES_DIR`); the PostgreSQL tests start their own
//! server (see `postgres.rs`).

mod common;

mod claims;
mod cli;
mod concurrency;
mod crash;
mod idempotency;
mod payment_flow;
mod postgres;
mod store_failure;
