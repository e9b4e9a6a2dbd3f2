//! drink's in-process chain as a [`Chain`]: pallet-contracts 31 in a FRAME runtime
//! inside this process, either drink's default one (`drink::minimal::MinimalSandbox`,
//! [`Profile::Dev`]) or one configured like a production chain
//! ([`Profile::Production`]: Bittensor's subtensor settings, see `production.rs`).
//! Nothing persists; nothing is signed (a key only names its account); there are no
//! transaction fees.
//!
//! The state sits behind a mutex, so a `Sandbox` is shared by many tasks (a gateway, its
//! claimer, agents) like a node. Time moves only when told ([`Chain::advance`],
//! [`Sandbox::set_now`]); every submitted call is its own "block" (a counter), and its
//! contract events go to the subscribers of [`Chain::subscribe`] at once (instant
//! finality).

mod convert;
pub mod production;
mod runtime;

use crate::chain::{Chain, EventStream};
use crate::error::ChainError;
use crate::key::AccountKey;
use crate::types::*;
use convert::{cost_of, weight_of};
pub use runtime::Profile;
use runtime::{new_runtime, SandboxRuntime};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::broadcast;

/// Where the in-process chain's clock starts (ms): 2023-11-14, a fixed point so that
/// runs are reproducible.
pub const GENESIS_TIME: Timestamp = 1_700_000_000_000;

/// The in-process chain's "genesis hash": it has no real one; this marks the chain in
/// deployment files (`0x00…00` plus the marker byte), and gb-deploy passes it to
/// escrow's constructor like a node's (vouchers, v2, sign it).
pub const GENESIS_HASH: [u8; 32] = {
    let mut h = [0u8; 32];
    h[31] = 0x01;
    h
};

struct State {
    sandbox: Box<dyn SandboxRuntime>,
    block: u64,
}

/// drink's in-process chain.
pub struct Sandbox {
    profile: Profile,
    state: Mutex<State>,
    events: broadcast::Sender<BlockEvents>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

fn sandbox_err(e: impl std::fmt::Debug) -> ChainError {
    ChainError::Sandbox(format!("{e:?}"))
}

impl Sandbox {
    /// A fresh chain of drink's default runtime whose clock reads [`GENESIS_TIME`].
    pub fn new() -> Self {
        Self::with_profile(Profile::Dev)
    }

    /// A fresh chain of the `profile` runtime whose clock reads [`GENESIS_TIME`].
    pub fn with_profile(profile: Profile) -> Self {
        let mut sandbox = new_runtime(profile);
        sandbox.set_now(GENESIS_TIME);
        let (events, _) = broadcast::channel(1024);
        Sandbox {
            profile,
            state: Mutex::new(State { sandbox, block: 0 }),
            events,
        }
    }

    /// Which runtime this chain runs.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic inside drink poisons the lock; the state is still what it was.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Gives `who` `amount` more plancks (the in-process chain's faucet).
    pub fn mint(&self, who: &AccountId, amount: Balance) -> Result<(), ChainError> {
        self.state().sandbox.mint(who, amount).map_err(sandbox_err)
    }

    /// Sets the clock (ms); it may only move forward.
    pub fn set_now(&self, ms: Timestamp) {
        let mut s = self.state();
        let now = s.sandbox.now();
        s.sandbox.set_now(ms.max(now));
    }

    /// Takes the events the last call left and tells the subscribers, as one block.
    fn seal(&self, s: &mut State) -> (BlockRef, Vec<ContractEvent>) {
        let events = s.sandbox.take_contract_events();
        s.block += 1;
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&s.block.to_le_bytes());
        let block = BlockRef {
            number: s.block,
            hash,
        };
        // No subscriber is fine.
        let _ = self.events.send(BlockEvents {
            block,
            events: events.clone(),
        });
        (block, events)
    }

    fn call(
        s: &mut State,
        origin: &AccountId,
        call: &ContractCall,
        dry_run: bool,
    ) -> Result<DryRun, ChainError> {
        let r = s.sandbox.call(
            origin,
            &call.contract,
            call.value,
            call.data.clone(),
            dry_run,
        );
        let debug = String::from_utf8_lossy(&r.debug).into_owned();
        let cost = cost_of(r.consumed, &r.deposit);
        let gas_required = weight_of(r.required);
        let ret = r.result.map_err(|e| dispatch(e, origin))?;
        Ok(DryRun {
            reverted: ret.did_revert(),
            data: ret.data,
            gas_required,
            cost,
            debug,
        })
    }
}

/// A sandbox dispatch error, named like a node's (`Module` errors by pallet and name).
fn dispatch(e: drink::DispatchError, who: &AccountId) -> ChainError {
    let text = format!("{e:?}");
    let funds = matches!(
        e,
        drink::DispatchError::Token(_)
            | drink::DispatchError::Module(drink::frame_support::sp_runtime::ModuleError {
                message: Some("InsufficientBalance" | "StorageDepositNotEnoughFunds"),
                ..
            })
    );
    match e {
        _ if funds => ChainError::InsufficientFunds {
            who: who.clone(),
            reason: text,
        },
        drink::DispatchError::Module(m) => ChainError::Dispatch {
            pallet: pallet_name(m.index),
            error: m.message.unwrap_or("?").to_string(),
            docs: String::new(),
        },
        _ => ChainError::DispatchOther(text),
    }
}

/// Both runtimes' pallets, by index (System, Balances, Timestamp, Contracts).
fn pallet_name(index: u8) -> String {
    match index {
        0 => "System",
        1 => "Balances",
        2 => "Timestamp",
        3 => "Contracts",
        _ => "?",
    }
    .to_string()
}

#[async_trait::async_trait]
impl Chain for Sandbox {
    fn info(&self) -> ChainInfo {
        ChainInfo {
            name: self.profile.describe().into(),
            url: None,
            genesis_hash: hex0x(&GENESIS_HASH),
            dev: true,
        }
    }

    fn query_origin(&self) -> AccountId {
        self.state().sandbox.query_actor()
    }

    async fn dry_run(&self, origin: &AccountId, call: &ContractCall) -> Result<DryRun, ChainError> {
        Self::call(&mut self.state(), origin, call, true)
    }

    async fn submit(
        &self,
        signer: &AccountKey,
        call: &ContractCall,
    ) -> Result<Submitted, ChainError> {
        let origin = signer.account_id();
        let mut s = self.state();
        let dry_run = Self::call(&mut s, &origin, call, true)?;
        if dry_run.reverted {
            let block = BlockRef {
                number: s.block,
                hash: [0; 32],
            };
            return Ok(Submitted {
                dry_run,
                block,
                events: Vec::new(),
                fee: 0,
            });
        }
        // The real call; its result is the dry run's (same state, same input).
        let executed = Self::call(&mut s, &origin, call, false)?;
        let (block, events) = self.seal(&mut s);
        Ok(Submitted {
            dry_run: DryRun {
                cost: executed.cost,
                ..dry_run
            },
            block,
            events,
            fee: 0,
        })
    }

    async fn dry_run_instantiate(
        &self,
        origin: &AccountId,
        inst: &Instantiation,
    ) -> Result<DryRunInstantiation, ChainError> {
        let mut s = self.state();
        let r = s.sandbox.deploy(
            origin,
            inst.code.clone(),
            inst.value,
            inst.data.clone(),
            inst.salt.clone(),
            true,
        );
        let debug = String::from_utf8_lossy(&r.debug).into_owned();
        let cost = cost_of(r.consumed, &r.deposit);
        let gas_required = weight_of(r.required);
        let (address, ret) = r.result.map_err(|e| dispatch(e, origin))?;
        Ok(DryRunInstantiation {
            address: AccountId(*AsRef::<[u8; 32]>::as_ref(&address)),
            reverted: ret.did_revert(),
            data: ret.data,
            gas_required,
            cost,
            debug,
        })
    }

    async fn instantiate(
        &self,
        signer: &AccountKey,
        inst: &Instantiation,
    ) -> Result<Instantiated, ChainError> {
        let origin = signer.account_id();
        let mut s = self.state();
        let r = s.sandbox.deploy(
            &origin,
            inst.code.clone(),
            inst.value,
            inst.data.clone(),
            inst.salt.clone(),
            false,
        );
        let debug = String::from_utf8_lossy(&r.debug).into_owned();
        let cost = cost_of(r.consumed, &r.deposit);
        let (address, ret) = r.result.map_err(|e| dispatch(e, &origin))?;
        if ret.did_revert() {
            // The failed instantiation changed nothing but may have left events.
            s.sandbox.drop_events();
            return Err(ChainError::ConstructorReverted {
                what: "the".into(),
                data: ret.data,
                debug,
            });
        }
        let (block, events) = self.seal(&mut s);
        Ok(Instantiated {
            address: AccountId(*AsRef::<[u8; 32]>::as_ref(&address)),
            code_hash: runtime::code_hash_of(&inst.code),
            block,
            cost,
            events,
            fee: 0,
        })
    }

    async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
        Ok(self.state().sandbox.free_balance(who))
    }

    async fn fund(
        &self,
        _funder: &AccountKey,
        who: &AccountId,
        amount: Balance,
    ) -> Result<(), ChainError> {
        let mut s = self.state();
        let has = s.sandbox.free_balance(who);
        if has < amount {
            s.sandbox.mint(who, amount - has).map_err(sandbox_err)?;
        }
        Ok(())
    }

    async fn code_hash_at(&self, address: &AccountId) -> Result<Option<CodeHash>, ChainError> {
        Ok(self.state().sandbox.code_hash(address))
    }

    async fn now(&self) -> Result<Timestamp, ChainError> {
        Ok(self.state().sandbox.now())
    }

    async fn advance(&self, ms: Timestamp) -> Result<(), ChainError> {
        let mut s = self.state();
        let now = s.sandbox.now();
        s.sandbox.set_now(now.saturating_add(ms));
        Ok(())
    }

    async fn subscribe(&self) -> Result<EventStream, ChainError> {
        use futures::StreamExt;
        let rx = self.events.subscribe();
        let stream = tokio_stream_of(rx).map(Ok);
        Ok(stream.boxed())
    }
}

/// The blocks sent on `rx`, as a stream (a subscriber that falls more than the
/// channel's capacity behind misses blocks: the stream then ends, so that it notices).
fn tokio_stream_of(
    rx: broadcast::Receiver<BlockEvents>,
) -> impl futures::Stream<Item = BlockEvents> + Send {
    futures::stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(b) => Some((b, rx)),
            Err(_) => None,
        }
    })
}
