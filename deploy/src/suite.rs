//! Deploys and wires the three contracts, in the order DESIGN.md §2 fixes:
//! registry, reputation(registry), escrow(registry, fee, treasury), then the one-time
//! owner calls `registry.set_reputation`, `reputation.set_escrow`,
//! `escrow.set_reputation`.

use crate::{
    backend::{Backend, Reverted},
    bundle::Bundle,
};
use drink::AccountId32;
use scale::Decode;
use std::fmt::Debug;

/// The three contracts' bundles.
#[derive(Clone, Debug)]
pub struct Bundles {
    pub registry: Bundle,
    pub reputation: Bundle,
    pub escrow: Bundle,
}

impl Bundles {
    /// Loads the bundles from [`crate::bundle::bundles_dir`].
    pub fn load() -> Result<Self, crate::bundle::BundleError> {
        Ok(Bundles {
            registry: Bundle::load("registry")?,
            reputation: Bundle::load("reputation")?,
            escrow: Bundle::load("escrow")?,
        })
    }
}

/// Addresses of a deployed, wired suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suite {
    pub registry: AccountId32,
    pub reputation: AccountId32,
    pub escrow: AccountId32,
}

/// Deployment options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Protocol fee on claims in basis points.
    pub fee_bps: u16,
    /// Who may withdraw the fees.
    pub treasury: AccountId32,
    /// Salt that makes the addresses unique per deployment.
    pub salt: Vec<u8>,
}

/// Why a deployment step failed.
#[derive(Debug)]
pub enum DeployError {
    /// A call or instantiation failed at the chain level.
    Chain { step: String, source: Reverted },
    /// A contract returned its own error.
    Contract { step: String, error: String },
    /// An existing deployment (from a manifest) cannot be reused.
    Reuse(String),
}

impl std::fmt::Display for DeployError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeployError::Chain { step, source } => write!(f, "{step}: {source}"),
            DeployError::Contract { step, error } => write!(f, "{step}: contract error {error}"),
            DeployError::Reuse(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for DeployError {}

/// The ink `AccountId` of a chain account (same 32 bytes).
pub fn ink_account(a: &AccountId32) -> gb_interfaces::AccountId {
    let bytes: [u8; 32] = *a.as_ref();
    bytes.into()
}

/// Calls an owner-only setter that returns `Result<(), E>`.
fn wire<E: Decode + Debug>(
    chain: &mut impl Backend,
    bundle: &Bundle,
    at: &AccountId32,
    msg: &str,
    arg: &AccountId32,
    deployer: &AccountId32,
) -> Result<(), DeployError> {
    let step = format!("{}::{msg}", bundle.name);
    match chain.call::<Result<(), E>>(bundle, at, msg, ink_account(arg), deployer, 0) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(DeployError::Contract {
            step,
            error: format!("{e:?}"),
        }),
        Err(source) => Err(DeployError::Chain { step, source }),
    }
}

/// Deploys and wires the suite; `deployer` owns all three.
pub fn deploy(
    chain: &mut impl Backend,
    b: &Bundles,
    deployer: &AccountId32,
    o: &Options,
) -> Result<Suite, DeployError> {
    let inst = |step: &str| {
        let step = step.to_string();
        move |source| DeployError::Chain { step, source }
    };
    let registry = chain
        .deploy(&b.registry, "new", (), deployer, &o.salt)
        .map_err(inst("registry::new"))?;
    let reputation = chain
        .deploy(
            &b.reputation,
            "new",
            ink_account(&registry),
            deployer,
            &o.salt,
        )
        .map_err(inst("reputation::new"))?;
    let escrow_args = (ink_account(&registry), o.fee_bps, ink_account(&o.treasury));
    let escrow = chain
        .deploy(&b.escrow, "new", escrow_args, deployer, &o.salt)
        .map_err(inst("escrow::new"))?;
    wire::<registry::Error>(
        chain,
        &b.registry,
        &registry,
        "set_reputation",
        &reputation,
        deployer,
    )?;
    wire::<reputation::Error>(
        chain,
        &b.reputation,
        &reputation,
        "set_escrow",
        &escrow,
        deployer,
    )?;
    wire::<escrow::errors::Error>(
        chain,
        &b.escrow,
        &escrow,
        "set_reputation",
        &reputation,
        deployer,
    )?;
    Ok(Suite {
        registry,
        reputation,
        escrow,
    })
}

/// Verifies a suite deployed earlier (addresses from a manifest) and completes its
/// wiring: every address must hold a contract running exactly the bundle's code;
/// wiring that is missing is done (as `deployer`, who must own the contracts), wiring
/// that points elsewhere is an error.
pub fn reuse(
    chain: &mut impl Backend,
    b: &Bundles,
    deployer: &AccountId32,
    suite: Suite,
) -> Result<Suite, DeployError> {
    for (bundle, at) in [
        (&b.registry, &suite.registry),
        (&b.reputation, &suite.reputation),
        (&b.escrow, &suite.escrow),
    ] {
        match chain.code_hash_at(at) {
            None => {
                return Err(DeployError::Reuse(format!(
                    "the manifest lists {} at {at}, but this chain has no contract there \
                     (a dev chain restarted?); remove the manifest (or pass another \
                     --manifest path) to deploy afresh",
                    bundle.name
                )))
            }
            Some(h) if h != bundle.code_hash() => {
                return Err(DeployError::Reuse(format!(
                    "{} at {at} runs code 0x{} but the bundle built here is 0x{}; rebuild the \
                     same version or deploy afresh with another --manifest path",
                    bundle.name,
                    hex::encode(h),
                    hex::encode(bundle.code_hash())
                )))
            }
            Some(_) => {}
        }
    }
    let want = [
        (
            &b.registry,
            &suite.registry,
            "reputation",
            &suite.reputation,
        ),
        (&b.reputation, &suite.reputation, "escrow", &suite.escrow),
    ];
    for (bundle, at, getter, target) in want {
        let now: Option<gb_interfaces::AccountId> = chain
            .try_query(bundle, at, getter, ())
            .map_err(|source| DeployError::Chain {
                step: format!("{}::{getter}", bundle.name),
                source,
            })?;
        check_wire(bundle, getter, now, target)?;
        if now.is_none() {
            let setter = format!("set_{getter}");
            if bundle.name == "registry" {
                wire::<registry::Error>(chain, bundle, at, &setter, target, deployer)?;
            } else {
                wire::<reputation::Error>(chain, bundle, at, &setter, target, deployer)?;
            }
        }
    }
    let config: escrow::types::Config = chain
        .try_query(&b.escrow, &suite.escrow, "config", ())
        .map_err(|source| DeployError::Chain {
            step: "escrow::config".into(),
            source,
        })?;
    check_wire(
        &b.escrow,
        "reputation",
        config.reputation,
        &suite.reputation,
    )?;
    if config.reputation.is_none() {
        wire::<escrow::errors::Error>(
            chain,
            &b.escrow,
            &suite.escrow,
            "set_reputation",
            &suite.reputation,
            deployer,
        )?;
    }
    Ok(suite)
}

fn check_wire(
    bundle: &Bundle,
    what: &str,
    now: Option<gb_interfaces::AccountId>,
    want: &AccountId32,
) -> Result<(), DeployError> {
    match now {
        Some(a) if a != ink_account(want) => Err(DeployError::Reuse(format!(
            "{}'s {what} is {}, not {want} as the manifest says; deploy afresh with another \
             --manifest path",
            bundle.name,
            AccountId32::from(*AsRef::<[u8; 32]>::as_ref(&a))
        ))),
        _ => Ok(()),
    }
}
