//! Deploys and wires the Global Brain suite and runs the marketplace workflow.
//!
//! * [`bundle`]: loads the `.contract` bundles that `cargo contract build --release`
//!   produced (the same bytes a user deploys) and maps message labels to selectors
//!   from their metadata.
//! * [`sandbox`]: drink's in-process chain: deploy, call with SCALE arguments, measure
//!   gas and storage deposit, move the clock.
//! * [`backend`]: what the suite needs from a chain; [`sandbox`] (drink's in-process
//!   chain) and `node` (a real node over subxt, feature `node`) implement it.
//! * [`suite`]: deploys and wires registry, reputation and escrow in the one order the
//!   design fixes, or verifies and reuses a deployment from a [`manifest`].

pub mod backend;
pub mod bundle;
pub mod demo;
pub mod manifest;
pub mod market;
#[cfg(feature = "node")]
pub mod node;
pub mod sandbox;
pub mod suite;

pub use backend::{Backend, Cost, Reverted};
pub use bundle::Bundle;
pub use sandbox::Chain;
pub use suite::{Bundles, DeployError, Options, Suite};
