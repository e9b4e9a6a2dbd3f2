//! A typed wrapper over drink's in-process chain.

use crate::bundle::Bundle;
use drink::{
    minimal::MinimalSandbox, pallet_contracts::StorageDeposit, sandbox_api::prelude::*,
    AccountId32, Sandbox, Weight,
};
use scale::{Decode, Encode};

/// Gas and storage deposit of one call, as pallet-contracts reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub ref_time: u64,
    pub proof_size: u64,
    /// Positive: charged; negative: refunded.
    pub storage_deposit: i128,
}

/// A call or instantiation that failed: reverted, trapped or was not dispatched.
#[derive(Debug, Clone)]
pub struct Reverted {
    /// Output bytes of a revert (the SCALE-encoded `Result<Result<_, Error>, LangError>`),
    /// empty for a trap.
    pub data: Vec<u8>,
    /// The dispatch error or trap description, if any.
    pub reason: String,
    /// The contracts' debug buffer.
    pub debug: String,
}

pub struct Chain {
    pub sandbox: MinimalSandbox,
    /// (label, cost) of every call and deployment, for the gas report.
    pub costs: Vec<(String, Cost)>,
}

/// Gas limit of every call: the sandbox's block limit.
fn gas_limit() -> Weight {
    MinimalSandbox::default_gas_limit()
}

fn cost_of(consumed: Weight, deposit: &StorageDeposit<u128>) -> Cost {
    Cost {
        ref_time: consumed.ref_time(),
        proof_size: consumed.proof_size(),
        storage_deposit: match deposit {
            StorageDeposit::Charge(c) => *c as i128,
            StorageDeposit::Refund(r) => -(*r as i128),
        },
    }
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    pub fn new() -> Self {
        let mut sandbox = MinimalSandbox::default();
        sandbox.set_timestamp(1_700_000_000_000);
        Chain {
            sandbox,
            costs: Vec::new(),
        }
    }

    /// Gives `who` `amount` plancks.
    pub fn mint(&mut self, who: &AccountId32, amount: u128) {
        self.sandbox.mint_into(who, amount).expect("mint");
    }

    pub fn free_balance(&mut self, who: &AccountId32) -> u128 {
        self.sandbox.free_balance(who)
    }

    pub fn now(&mut self) -> u64 {
        self.sandbox.get_timestamp()
    }

    pub fn set_now(&mut self, ms: u64) {
        self.sandbox.set_timestamp(ms);
    }

    pub fn advance(&mut self, ms: u64) {
        let now = self.now();
        self.set_now(now + ms);
    }

    /// Uploads and instantiates `bundle` with constructor `ctor`, returns the address.
    pub fn deploy(
        &mut self,
        bundle: &Bundle,
        ctor: &str,
        args: impl Encode,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<AccountId32, Reverted> {
        let mut data = bundle.selector(ctor).to_vec();
        args.encode_to(&mut data);
        let r = self.sandbox.deploy_contract(
            bundle.wasm.clone(),
            0,
            data,
            salt.to_vec(),
            origin.clone(),
            gas_limit(),
            None,
        );
        let debug = String::from_utf8_lossy(&r.debug_message).into_owned();
        let ok = r.result.map_err(|e| Reverted {
            data: Vec::new(),
            reason: format!("{e:?}"),
            debug: debug.clone(),
        })?;
        if ok.result.did_revert() {
            return Err(Reverted {
                data: ok.result.data,
                reason: "constructor reverted".into(),
                debug,
            });
        }
        self.costs.push((
            format!("{}::{ctor}", bundle.name),
            cost_of(r.gas_consumed, &r.storage_deposit),
        ));
        Ok(ok.account_id)
    }

    /// Calls `message` on `contract`; returns the decoded return value of a successful
    /// call (the message's own return type, e.g. `Result<T, Error>` — ink reverts the
    /// state when a message returns `Err`, and that `Err` is decoded here too).
    pub fn call<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
        origin: &AccountId32,
        value: u128,
    ) -> Result<R, Reverted> {
        self.call_with_cost(bundle, contract, message, args, origin, value)
            .map(|(r, _)| r)
    }

    /// [`Chain::call`] that also returns the call's gas and storage deposit.
    pub fn call_with_cost<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
        origin: &AccountId32,
        value: u128,
    ) -> Result<(R, Cost), Reverted> {
        let r = self.exec(bundle, contract, message, args, origin, value, false);
        if let Ok((_, cost)) = &r {
            self.costs
                .push((format!("{}::{message}", bundle.name), *cost));
        }
        r
    }

    /// A read-only dry run (state is rolled back; not recorded in the gas report).
    pub fn query<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
    ) -> R {
        let origin = MinimalSandbox::default_actor();
        match self.exec(bundle, contract, message, args, &origin, 0, true) {
            Ok((v, _)) => v,
            Err(e) => panic!("query {}::{message} failed: {e:?}", bundle.name),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn exec<R: Decode>(
        &mut self,
        bundle: &Bundle,
        contract: &AccountId32,
        message: &str,
        args: impl Encode,
        origin: &AccountId32,
        value: u128,
        dry_run: bool,
    ) -> Result<(R, Cost), Reverted> {
        let mut data = bundle.selector(message).to_vec();
        args.encode_to(&mut data);
        let call = |s: &mut MinimalSandbox| {
            s.call_contract(
                contract.clone(),
                value,
                data,
                origin.clone(),
                gas_limit(),
                None,
                drink::pallet_contracts::Determinism::Enforced,
            )
        };
        let r = if dry_run {
            self.sandbox.dry_run(call)
        } else {
            call(&mut self.sandbox)
        };
        let cost = cost_of(r.gas_consumed, &r.storage_deposit);
        let debug = String::from_utf8_lossy(&r.debug_message).into_owned();
        let ret = r.result.map_err(|e| Reverted {
            data: Vec::new(),
            reason: format!("{e:?}"),
            debug: debug.clone(),
        })?;
        // ink wraps every return value in `Result<_, LangError>`.
        match <Result<R, u8>>::decode(&mut &ret.data[..]) {
            Ok(Ok(v)) => Ok((v, cost)),
            Ok(Err(lang)) => Err(Reverted {
                data: ret.data,
                reason: format!("LangError {lang}"),
                debug,
            }),
            Err(e) => Err(Reverted {
                data: ret.data,
                reason: format!("cannot decode return value: {e}"),
                debug,
            }),
        }
    }
}

impl std::fmt::Display for Reverted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reason)?;
        if !self.debug.is_empty() {
            write!(f, " (contract debug output: {})", self.debug.trim())?;
        }
        Ok(())
    }
}

impl std::error::Error for Reverted {}
