//! Deploys and wires the three contracts, in the order the design fixes: registry,
//! reputation(registry), escrow(registry, fee, treasury, the chain's genesis hash), then the one-time owner calls
//! `registry.set_reputation`, `reputation.set_escrow`, `escrow.set_reputation`; or
//! verifies a deployment made earlier (from its deployment file) and completes its
//! wiring.

use crate::bundle::{Bundle, Bundles};
use escrow::escrow::EscrowRef;
use gb_chain::{
    hex0x, AccountId, AccountKey, Chain, ChainError, Cost, DryRunInstantiation, Instantiation,
};
use gb_client::deployment::SuiteContracts;
use gb_client::{
    chain_account, ink_account, Client, ClientError, Constructor, DeployedContract, Deployment,
};
use registry::registry::RegistryRef;
use reputation::reputation::ReputationRef;
use serde::Serialize;

/// Deployment options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Protocol fee on claims in basis points.
    pub fee_bps: u16,
    /// Who may withdraw the fees.
    pub treasury: AccountId,
    /// Salt that makes the addresses unique per deployment.
    pub salt: Vec<u8>,
}

/// Why deploying or verifying failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// An instantiation failed at the chain level.
    #[error("{step}: {source}")]
    Chain {
        step: &'static str,
        #[source]
        source: ChainError,
    },
    /// A wiring call failed (the chain, or the contract refused).
    #[error(transparent)]
    Call(#[from] ClientError),
    /// The chain refused escrow's code at the upload's dry run (`Contracts::CodeRejected`)
    /// and there is no production bundle to deploy instead, or it refused that too.
    #[error("{}", escrow_refused_text(*.ecdsa_tried))]
    EscrowCodeRejected {
        /// The `escrow-ecdsa` bundle was tried and refused as well.
        ecdsa_tried: bool,
    },
    /// A contract listed in the deployment file is not on this chain.
    #[error(
        "the deployment file lists {name} at {address}, but this chain has no contract \
         there (a dev chain restarted?); remove the deployment file (or pass another \
         --deployment path) to deploy afresh"
    )]
    Missing {
        name: &'static str,
        address: AccountId,
    },
    /// The chain's genesis hash (`ChainInfo::genesis_hash`) is not 32 bytes of `0x` hex:
    /// escrow's constructor needs it.
    #[error("the chain's genesis hash `{0}` is not 0x + 64 hex digits; escrow needs it")]
    BadGenesis(String),
    /// Escrow was deployed for another chain than this one: its `config().genesis_hash`
    /// is not this chain's, so every voucher signed for this chain is refused.
    #[error(
        "escrow at {address} was deployed for the chain with genesis {on_contract}, but \
         this chain's genesis is {chain}; every voucher signed for this chain would be \
         refused: deploy afresh with another --deployment path"
    )]
    WrongChain {
        address: AccountId,
        on_contract: String,
        chain: String,
    },
    /// A contract runs other code than the bundle built here.
    #[error(
        "{name} at {address} runs code {on_chain} but the bundle built here is {built}; \
         rebuild the same version or deploy afresh with another --deployment path"
    )]
    CodeMismatch {
        name: &'static str,
        address: AccountId,
        on_chain: String,
        built: String,
    },
    /// A wiring link points elsewhere than the deployment file says.
    #[error(
        "{name}'s {what} is {now}, not {want} as the deployment file says; deploy afresh \
         with another --deployment path"
    )]
    WrongWiring {
        name: &'static str,
        what: &'static str,
        now: AccountId,
        want: AccountId,
    },
}

fn escrow_refused_text(ecdsa_tried: bool) -> &'static str {
    if ecdsa_tried {
        "this chain refused the code of both escrow and escrow-ecdsa at the upload's dry \
         run (Contracts::CodeRejected), so it is not only the sr25519 host function: \
         compare the chain's pallet-contracts settings (MaxCodeLen, the host functions it \
         offers) with docs/production.md"
    } else {
        "this chain refused escrow's code at the upload's dry run (Contracts::CodeRejected): \
         it does not offer a host function escrow imports, i.e. `sr25519_verify` (unstable \
         in pallet-contracts before polkadot-sdk 1.7, and refused where \
         UnsafeUnstableInterface = false). Build the production bundle with \
         `CARGO_TARGET_DIR=<dir> bash scripts/contracts.sh` (it writes \
         <dir>/ink/escrow-ecdsa/escrow-ecdsa.contract: escrow for ecdsa voucher keys only) \
         and run this command again with --bundles <dir>/ink (or GB_BUNDLES_DIR): it then \
         deploys escrow-ecdsa (docs/production.md)"
    }
}

fn chain_step(step: &'static str) -> impl FnOnce(ChainError) -> DeployError {
    move |source| DeployError::Chain { step, source }
}

fn registry_new() -> Constructor {
    Constructor::of("registry::new", RegistryRef::new())
}

/// The constructors of reputation and escrow, which take the registry's address;
/// escrow also the genesis hash of the chain (`genesis`), which its vouchers sign.
fn dependents_new(registry: &AccountId, o: &Options, genesis: [u8; 32]) -> [Constructor; 2] {
    [
        Constructor::of("reputation::new", ReputationRef::new(ink_account(registry))),
        escrow_new(registry, o.fee_bps, &o.treasury, genesis),
    ]
}

/// Escrow's constructor, `escrow::new(registry, fee_bps, treasury, genesis_hash)`:
/// `genesis_hash` must be the genesis hash of the chain it is instantiated on (its
/// vouchers sign it, voucher v2); [`deploy`] passes the chain's.
pub fn escrow_new(
    registry: &AccountId,
    fee_bps: u16,
    treasury: &AccountId,
    genesis_hash: [u8; 32],
) -> Constructor {
    Constructor::of(
        "escrow::new",
        EscrowRef::new(
            ink_account(registry),
            fee_bps,
            ink_account(treasury),
            genesis_hash,
        ),
    )
}

/// The genesis hash of `chain`, as escrow's constructor takes it.
fn genesis_of<C: Chain>(chain: &C) -> Result<[u8; 32], DeployError> {
    let info = chain.info();
    info.genesis()
        .ok_or(DeployError::BadGenesis(info.genesis_hash))
}

fn instantiation(bundle: &Bundle, c: &Constructor, salt: &[u8]) -> Instantiation {
    Instantiation {
        code: bundle.wasm.clone(),
        data: c.data.clone(),
        salt: salt.to_vec(),
        value: 0,
    }
}

/// The escrow bundle this chain accepts, with its instantiation's dry run: `escrow`,
/// or `escrow-ecdsa` where the dry run of escrow's upload is refused with
/// `Contracts::CodeRejected` (a chain that does not offer `sr25519_verify`).
async fn choose_escrow<'b, C: Chain>(
    chain: &C,
    bundles: &'b Bundles,
    deployer: &AccountId,
    escrow_new: &Constructor,
    salt: &[u8],
) -> Result<(&'b Bundle, DryRunInstantiation), DeployError> {
    let mut refused = false;
    for bundle in bundles.escrows() {
        match chain
            .dry_run_instantiate(deployer, &instantiation(bundle, escrow_new, salt))
            .await
        {
            Ok(dry) => return Ok((bundle, dry)),
            Err(e) if e.is_code_rejected() => refused = true,
            Err(e) => return Err(chain_step("escrow::new")(e)),
        }
    }
    Err(DeployError::EscrowCodeRejected {
        ecdsa_tried: refused && bundles.escrow_ecdsa.is_some(),
    })
}

/// One planned instantiation (a dry run).
#[derive(Clone, Debug, Serialize)]
pub struct PlannedContract {
    pub name: &'static str,
    pub address: AccountId,
    pub code_hash: String,
    pub cost: Cost,
}

/// What `deploy` would do: the three dry-run instantiations (the wiring calls follow
/// once the contracts exist and cannot be dry-run before).
pub async fn plan<C: Chain>(
    chain: &C,
    bundles: &Bundles,
    deployer: &AccountId,
    o: &Options,
) -> Result<Vec<PlannedContract>, DeployError> {
    let registry_dry = chain
        .dry_run_instantiate(
            deployer,
            &instantiation(&bundles.registry, &registry_new(), &o.salt),
        )
        .await
        .map_err(chain_step("registry::new"))?;
    let registry = registry_dry.address.clone();
    let genesis = genesis_of(chain)?;
    let [c1, c2] = dependents_new(&registry, o, genesis);
    let mut out = vec![PlannedContract {
        name: "registry",
        address: registry,
        code_hash: hex0x(&bundles.registry.code_hash()),
        cost: registry_dry.cost,
    }];
    let reputation_dry = chain
        .dry_run_instantiate(deployer, &instantiation(&bundles.reputation, &c1, &o.salt))
        .await
        .map_err(chain_step("reputation::new"))?;
    let (escrow, escrow_dry) = choose_escrow(chain, bundles, deployer, &c2, &o.salt).await?;
    for (bundle, dry) in [(&bundles.reputation, reputation_dry), (escrow, escrow_dry)] {
        out.push(PlannedContract {
            name: bundle.name,
            address: dry.address,
            code_hash: hex0x(&bundle.code_hash()),
            cost: dry.cost,
        });
    }
    Ok(out)
}

/// Deploys and wires the suite; `deployer` owns all three contracts. Escrow is the
/// `escrow` bundle, or `escrow-ecdsa` if the chain refuses escrow's code (checked by
/// dry runs before anything is submitted).
pub async fn deploy<C: Chain>(
    chain: &C,
    bundles: &Bundles,
    deployer: &AccountKey,
    o: &Options,
) -> Result<Deployment, DeployError> {
    let who = deployer.account_id();
    let genesis = genesis_of(chain)?;
    let planned_registry = chain
        .dry_run_instantiate(
            &who,
            &instantiation(&bundles.registry, &registry_new(), &o.salt),
        )
        .await
        .map_err(chain_step("registry::new"))?
        .address;
    let [_, escrow_new] = dependents_new(&planned_registry, o, genesis);
    let (escrow_bundle, _) = choose_escrow(chain, bundles, &who, &escrow_new, &o.salt).await?;
    let registry = chain
        .instantiate(
            deployer,
            &instantiation(&bundles.registry, &registry_new(), &o.salt),
        )
        .await
        .map_err(chain_step("registry::new"))?;
    let [reputation_new, escrow_new] = dependents_new(&registry.address, o, genesis);
    let reputation = chain
        .instantiate(
            deployer,
            &instantiation(&bundles.reputation, &reputation_new, &o.salt),
        )
        .await
        .map_err(chain_step("reputation::new"))?;
    let escrow = chain
        .instantiate(
            deployer,
            &instantiation(escrow_bundle, &escrow_new, &o.salt),
        )
        .await
        .map_err(chain_step("escrow::new"))?;
    let entry = |i: &gb_chain::Instantiated| DeployedContract {
        address: i.address.clone(),
        code_hash: i.code_hash,
        block: Some(i.block.number),
    };
    let deployment = Deployment {
        chain: chain.info(),
        deployer: who,
        fee_bps: o.fee_bps,
        treasury: o.treasury.clone(),
        contracts: SuiteContracts {
            registry: entry(&registry),
            reputation: entry(&reputation),
            escrow: entry(&escrow),
        },
    };
    let client = Client::new(chain, deployment);
    wire_missing(&client, deployer, Wiring::default()).await?;
    Ok(client.deployment().clone())
}

/// Which wiring links are already set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Wiring {
    pub registry_to_reputation: bool,
    pub reputation_to_escrow: bool,
    pub escrow_to_reputation: bool,
}

impl Wiring {
    pub fn complete(&self) -> bool {
        self.registry_to_reputation && self.reputation_to_escrow && self.escrow_to_reputation
    }
}

async fn wire_missing<C: Chain>(
    client: &Client<C>,
    deployer: &AccountKey,
    done: Wiring,
) -> Result<(), DeployError> {
    let d = client.deployment().clone();
    if !done.registry_to_reputation {
        client
            .send(deployer, client.registry().set_reputation(d.reputation()))
            .await?;
    }
    if !done.reputation_to_escrow {
        client
            .send(deployer, client.reputation().set_escrow(d.escrow()))
            .await?;
    }
    if !done.escrow_to_reputation {
        client
            .send(deployer, client.escrow().set_reputation(d.reputation()))
            .await?;
    }
    Ok(())
}

/// What `verify` found.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    /// Every contract runs the bundle's code.
    pub code: bool,
    /// The wiring as found (before completing it).
    pub wiring: Wiring,
    /// Missing links were completed (`execute`).
    pub completed: bool,
}

/// Verifies a deployment made earlier: every address must hold a contract running
/// exactly the bundle's code, and every wiring link must point where the file says.
/// A missing link is completed when `execute` (as `deployer`, who must own the
/// contracts), else reported.
pub async fn verify<C: Chain>(
    client: &Client<C>,
    bundles: &Bundles,
    deployer: &AccountKey,
    execute: bool,
) -> Result<Verified, DeployError> {
    let d = client.deployment().clone();
    for ((name, entry), bundle) in d.contracts.each().into_iter().zip([
        &bundles.registry,
        &bundles.reputation,
        // Escrow runs `escrow` or, where the chain refused it, `escrow-ecdsa`.
        bundles
            .escrows()
            .find(|b| b.code_hash() == d.contracts.escrow.code_hash)
            .unwrap_or(&bundles.escrow),
    ]) {
        match client
            .chain()
            .code_hash_at(&entry.address)
            .await
            .map_err(chain_step("code hash"))?
        {
            None => {
                return Err(DeployError::Missing {
                    name,
                    address: entry.address.clone(),
                })
            }
            Some(h) if h != bundle.code_hash() => {
                return Err(DeployError::CodeMismatch {
                    name,
                    address: entry.address.clone(),
                    on_chain: hex0x(&h),
                    built: hex0x(&bundle.code_hash()),
                })
            }
            Some(_) => {}
        }
    }
    let escrow_config = client.query(client.escrow().config()).await?;
    let genesis = genesis_of(client.chain())?;
    if escrow_config.genesis_hash != genesis {
        return Err(DeployError::WrongChain {
            address: d.escrow().clone(),
            on_contract: hex0x(&escrow_config.genesis_hash),
            chain: hex0x(&genesis),
        });
    }
    let check = |name, what, now: Option<ink::primitives::AccountId>, want: &AccountId| match now
        .map(|a| chain_account(&a))
    {
        Some(a) if &a != want => Err(DeployError::WrongWiring {
            name,
            what,
            now: a,
            want: want.clone(),
        }),
        Some(_) => Ok(true),
        None => Ok(false),
    };
    let wiring = Wiring {
        registry_to_reputation: check(
            "registry",
            "reputation",
            client.query(client.registry().reputation()).await?,
            d.reputation(),
        )?,
        reputation_to_escrow: check(
            "reputation",
            "escrow",
            client.query(client.reputation().escrow()).await?,
            d.escrow(),
        )?,
        escrow_to_reputation: check(
            "escrow",
            "reputation",
            escrow_config.reputation,
            d.reputation(),
        )?,
    };
    let completed = execute && !wiring.complete();
    if completed {
        wire_missing(client, deployer, wiring).await?;
    }
    Ok(Verified {
        code: true,
        wiring,
        completed,
    })
}
