//! drink's in-process chain as a [`Backend`].

use crate::{
    backend::{Backend, Cost, Reverted},
    bundle::Bundle,
};
use drink::{
    minimal::MinimalSandbox, pallet_contracts::StorageDeposit, sandbox_api::prelude::*,
    AccountId32, Sandbox, Weight,
};
use gb_interfaces::{Balance, Timestamp};

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
}

impl Backend for Chain {
    fn instantiate(
        &mut self,
        bundle: &Bundle,
        data: Vec<u8>,
        origin: &AccountId32,
        salt: &[u8],
    ) -> Result<(AccountId32, Cost), Reverted> {
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
        Ok((ok.account_id, cost_of(r.gas_consumed, &r.storage_deposit)))
    }

    fn exec(
        &mut self,
        contract: &AccountId32,
        data: Vec<u8>,
        origin: &AccountId32,
        value: Balance,
        dry_run: bool,
    ) -> Result<(Vec<u8>, Cost), Reverted> {
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
            debug,
        })?;
        Ok((ret.data, cost))
    }

    fn fund(&mut self, who: &AccountId32, amount: Balance) -> Result<(), Reverted> {
        self.mint(who, amount);
        Ok(())
    }

    fn add_key(&mut self, suri: &str) -> Result<AccountId32, Reverted> {
        use sp_core::crypto::Pair as _;
        let pair = sp_core::sr25519::Pair::from_string(suri, None)
            .map_err(|e| Reverted::chain(format!("bad secret URI `{suri}`: {e:?}")))?;
        Ok(AccountId32::from(pair.public().0))
    }

    fn free_balance(&mut self, who: &AccountId32) -> Balance {
        Chain::free_balance(self, who)
    }

    fn now(&mut self) -> Timestamp {
        Chain::now(self)
    }

    fn advance(&mut self, ms: Timestamp) {
        Chain::advance(self, ms)
    }

    fn costs(&mut self) -> &mut Vec<(String, Cost)> {
        &mut self.costs
    }

    fn code_hash_at(&mut self, address: &AccountId32) -> Option<[u8; 32]> {
        self.sandbox.execute_with(|| {
            drink::pallet_contracts::Pallet::<drink::minimal::MinimalSandboxRuntime>::code_hash(
                address,
            )
            .map(|h| h.0)
        })
    }

    fn query_origin(&self) -> AccountId32 {
        MinimalSandbox::default_actor()
    }

    fn describe(&mut self) -> serde_json::Value {
        serde_json::json!({
            "name": "in-process drink sandbox (pallet-contracts 31); not persisted",
        })
    }
}
