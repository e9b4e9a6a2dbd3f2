//! # gb-deploy: deploy, verify and demo the Global Brain suite
//!
//! * [`bundle`]: the `.contract` bundles cargo-contract builds (their Wasm only).
//! * [`suite`]: deploys and wires registry, reputation and escrow in the order the
//!   design fixes ([`suite::deploy`], with a dry-run [`suite::plan`]), or verifies a
//!   deployment made earlier and completes its wiring ([`suite::verify`]).
//! * [`connect`]: the chain of the command line (`--url`, `--suri`): the in-process
//!   sandbox or a node, and the signer.
//! * [`actors`]: the demo's development accounts.
//! * [`demo`]: the marketplace workflow, narrated, as a list of steps.
//! * [`cli`]: the `gb-deploy` command line (clap): `deploy`, `verify`, `demo`.

pub mod actors;
pub mod bundle;
pub mod cli;
pub mod connect;
pub mod demo;
pub mod suite;

pub use bundle::{Bundle, BundleError, Bundles};
pub use suite::{DeployError, Options};
