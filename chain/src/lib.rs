//! # gb-chain: what the Global Brain suite needs from a chain
//!
//! * [`Chain`]: the async trait every off-chain component talks to — dry runs and
//!   signed submissions of contract calls and instantiations, balances, code hashes,
//!   the clock, funding, and a stream of finalized contract events.
//! * [`node::Node`]: a real node over subxt 0.35 (the version ink_e2e 5.1.1 uses);
//!   it does not depend on drink or on pallet-contracts (own copy of the few RPC types
//!   in [`primitives`], as cargo-contract does).
//! * `sandbox::Sandbox` (feature `sandbox`): drink's in-process chain, for tests and
//!   the in-process demo.
//! * [`Recorder`]: a wrapper that records the gas and storage deposit of every call
//!   made through it (the gas report), instead of a trait method.
//! * [`ChainError`]: typed errors; their texts are what a user reads.

pub mod chain;
pub mod error;
pub mod key;
pub mod node;
pub mod primitives;
pub mod recorder;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod types;

pub use chain::{Chain, EventStream};
pub use error::ChainError;
pub use key::AccountKey;
pub use recorder::{CostEntry, Recorder};
pub use types::*;
