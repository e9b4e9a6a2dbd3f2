//! Shared setup of the drink suite: the bundles, loaded once, and the deployed market.
#![allow(dead_code)]

pub use gb_deploy::market::*;
pub use gb_deploy::Backend;
use gb_deploy::Bundles;
use std::sync::OnceLock;

pub fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles::load().unwrap_or_else(|e| panic!("{e}")))
}

/// A freshly deployed and wired market (fee in basis points, number of clients).
pub fn market(fee_bps: u16, n_clients: usize) -> Market {
    Market::new(bundles(), fee_bps, n_clients).expect("deploy the suite")
}
