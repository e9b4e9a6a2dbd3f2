//! Deploys and wires the Global Brain suite and runs the marketplace workflow.
//!
//! * [`bundle`]: loads the `.contract` bundles that `cargo contract build --release`
//!   produced (the same bytes a user deploys) and maps message labels to selectors
//!   from their metadata.
//! * [`sandbox`]: a typed wrapper over drink's in-process chain: deploy, call with SCALE
//!   arguments, decode `Result`s, measure gas and storage deposit, move the clock.
//! * [`suite`]: deploys and wires registry, reputation and escrow in the one order the
//!   design fixes.

pub mod bundle;
pub mod demo;
pub mod manifest;
pub mod market;
pub mod sandbox;
pub mod suite;

pub use bundle::Bundle;
pub use sandbox::{Chain, Cost, Reverted};
pub use suite::{Bundles, DeployError, Options, Suite};
