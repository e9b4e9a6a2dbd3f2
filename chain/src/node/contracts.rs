//! Contract calls and instantiations: dry runs through the `ContractsApi` runtime API
//! (at the best block), then the pallet-contracts extrinsics with the dry run's gas.

use super::errors::{raw_dispatch, rpc};
use super::Node;
use crate::error::ChainError;
use crate::key::AccountKey;
use crate::primitives::{
    CallRequest, Code, ContractExecResult, ContractInstantiateResult, ContractResult,
    InstantiateRequest,
};
use crate::types::*;
use scale::{Decode, Encode};
use subxt::config::{substrate::BlakeTwo256, Hasher};
use subxt::dynamic::Value;
use subxt::tx::DynamicPayload;

/// The gas limit of a submission is the dry run's `gas_required` plus this margin (%):
/// state may grow between the dry run and the block.
pub(crate) const GAS_MARGIN_PERCENT: u64 = 20;

/// Blake2-256 of `code`: its hash on chain.
pub fn code_hash(code: &[u8]) -> CodeHash {
    BlakeTwo256::hash(code).0
}

impl Node {
    /// Calls the runtime API `function` with SCALE `args` at the best block and
    /// decodes its result.
    async fn runtime_call<R: Decode>(
        &self,
        function: &str,
        args: Vec<u8>,
    ) -> Result<R, ChainError> {
        // `at: None` is the best block (not subxt's default, the finalized one).
        let out = self
            .rpc
            .state_call(function, Some(&args), None)
            .await
            .map_err(rpc)?;
        R::decode(&mut &out[..]).map_err(|e| ChainError::Decode {
            what: function.into(),
            reason: e.to_string(),
        })
    }

    pub(crate) async fn call_dry_run(
        &self,
        origin: &AccountId,
        call: &ContractCall,
    ) -> Result<DryRun, ChainError> {
        let request = CallRequest {
            origin: origin.clone(),
            dest: call.contract.clone(),
            value: call.value,
            gas_limit: None,
            storage_deposit_limit: None,
            input_data: call.data.clone(),
        };
        let r: ContractExecResult = self
            .runtime_call("ContractsApi_call", request.encode())
            .await?;
        let (cost, debug) = cost_and_debug(&r);
        let ok = r
            .result
            .map_err(|e| raw_dispatch(&e, self.api.metadata(), origin))?;
        Ok(DryRun {
            reverted: ok.did_revert(),
            data: ok.data,
            gas_required: r.gas_required,
            cost,
            debug,
        })
    }

    pub(crate) async fn instantiate_dry_run(
        &self,
        origin: &AccountId,
        inst: &Instantiation,
        code: Code,
    ) -> Result<DryRunInstantiation, ChainError> {
        let request = InstantiateRequest {
            origin: origin.clone(),
            value: inst.value,
            gas_limit: None,
            storage_deposit_limit: None,
            code,
            data: inst.data.clone(),
            salt: inst.salt.clone(),
        };
        let r: ContractInstantiateResult = self
            .runtime_call("ContractsApi_instantiate", request.encode())
            .await?;
        let (cost, debug) = cost_and_debug(&r);
        let ok = r
            .result
            .map_err(|e| raw_dispatch(&e, self.api.metadata(), origin))?;
        Ok(DryRunInstantiation {
            address: ok.account_id,
            reverted: ok.result.did_revert(),
            data: ok.result.data,
            gas_required: r.gas_required,
            cost,
            debug,
        })
    }

    /// The code as a dry run references it: by hash if the chain has it, else the
    /// bytes; and the hash.
    async fn code_ref(&self, code: &[u8]) -> Result<(Code, CodeHash), ChainError> {
        let hash = code_hash(code);
        Ok(if self.code_exists(&hash).await? {
            (Code::Existing(hash), hash)
        } else {
            (Code::Upload(code.to_vec()), hash)
        })
    }

    pub(crate) async fn dry_run_instantiation(
        &self,
        origin: &AccountId,
        inst: &Instantiation,
    ) -> Result<DryRunInstantiation, ChainError> {
        let (code, _) = self.code_ref(&inst.code).await?;
        self.instantiate_dry_run(origin, inst, code).await
    }

    pub(crate) async fn submit_call(
        &self,
        signer: &AccountKey,
        call: &ContractCall,
    ) -> Result<Submitted, ChainError> {
        let dry_run = self.call_dry_run(&signer.account_id(), call).await?;
        if dry_run.reverted {
            return Ok(Submitted {
                dry_run,
                block: self.best_block().await?,
                events: vec![],
                fee: 0,
            });
        }
        let tx = call_tx(call, dry_run.gas_required.with_margin(GAS_MARGIN_PERCENT));
        let included = self.sign_and_submit(signer, &tx).await?;
        Ok(Submitted {
            dry_run,
            block: included.block,
            events: included.events,
            fee: included.fee,
        })
    }

    pub(crate) async fn submit_instantiation(
        &self,
        signer: &AccountKey,
        inst: &Instantiation,
    ) -> Result<Instantiated, ChainError> {
        let (code, code_hash) = self.code_ref(&inst.code).await?;
        let uploaded = matches!(code, Code::Existing(_));
        let dry = self
            .instantiate_dry_run(&signer.account_id(), inst, code)
            .await?;
        if dry.reverted {
            return Err(ChainError::ConstructorReverted {
                what: format!("code {}", hex0x(&code_hash)),
                data: dry.data,
                debug: dry.debug,
            });
        }
        let gas = dry.gas_required.with_margin(GAS_MARGIN_PERCENT);
        let tx = instantiate_tx(inst, gas, (!uploaded).then_some(&inst.code[..]), &code_hash);
        let included = self.sign_and_submit(signer, &tx).await?;
        Ok(Instantiated {
            address: dry.address,
            code_hash,
            block: included.block,
            cost: dry.cost,
            events: included.events,
            fee: included.fee,
        })
    }

    /// The best block, by number and hash.
    pub(crate) async fn best_block(&self) -> Result<BlockRef, ChainError> {
        let best = self.best_hash().await?;
        self.block_ref(best).await
    }
}

/// A dry run's cost (gas consumed, storage deposit) and debug buffer.
fn cost_and_debug<R>(r: &ContractResult<R>) -> (Cost, String) {
    let cost = Cost {
        ref_time: r.gas_consumed.ref_time,
        proof_size: r.gas_consumed.proof_size,
        storage_deposit: r.storage_deposit.signed(),
    };
    (cost, String::from_utf8_lossy(&r.debug_message).into_owned())
}

fn weight_value(w: Weight) -> Value {
    Value::named_composite([
        ("ref_time", Value::u128(w.ref_time.into())),
        ("proof_size", Value::u128(w.proof_size.into())),
    ])
}

/// `storage_deposit_limit: None`: limited by the signer's free balance.
fn no_limit() -> Value {
    Value::unnamed_variant("None", [])
}

/// `Contracts::call(dest, value, gas_limit, storage_deposit_limit, data)`.
fn call_tx(call: &ContractCall, gas: Weight) -> DynamicPayload {
    subxt::dynamic::tx(
        "Contracts",
        "call",
        vec![
            Value::unnamed_variant("Id", [Value::from_bytes(&call.contract)]),
            Value::u128(call.value),
            weight_value(gas),
            no_limit(),
            Value::from_bytes(&call.data),
        ],
    )
}

/// `Contracts::instantiate_with_code(value, gas_limit, storage_deposit_limit, code,
/// data, salt)` with the code to upload, else `Contracts::instantiate(…, code_hash, …)`.
fn instantiate_tx(
    inst: &Instantiation,
    gas: Weight,
    upload: Option<&[u8]>,
    hash: &CodeHash,
) -> DynamicPayload {
    let (function, code) = match upload {
        Some(code) => ("instantiate_with_code", Value::from_bytes(code)),
        None => ("instantiate", Value::from_bytes(hash)),
    };
    subxt::dynamic::tx(
        "Contracts",
        function,
        vec![
            Value::u128(inst.value),
            weight_value(gas),
            no_limit(),
            code,
            Value::from_bytes(&inst.data),
            Value::from_bytes(&inst.salt),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::StorageDeposit;

    #[test]
    fn the_gas_limit_is_the_dry_runs_plus_a_fifth() {
        let w = Weight {
            ref_time: 1_000_000,
            proof_size: 50_000,
        }
        .with_margin(GAS_MARGIN_PERCENT);
        assert_eq!(
            w,
            Weight {
                ref_time: 1_200_000,
                proof_size: 60_000
            }
        );
        let max = Weight {
            ref_time: u64::MAX,
            proof_size: u64::MAX,
        };
        assert_eq!(max.with_margin(GAS_MARGIN_PERCENT), max);
    }

    #[test]
    fn the_code_hash_is_blake2_256() {
        // blake2b-256 of the empty string.
        assert_eq!(
            hex0x(&code_hash(b"")),
            "0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        );
    }

    #[test]
    fn a_dry_runs_cost_is_its_consumed_gas_and_signed_deposit() {
        let r = ContractResult {
            gas_consumed: Weight {
                ref_time: 5,
                proof_size: 6,
            },
            gas_required: Weight {
                ref_time: 7,
                proof_size: 8,
            },
            storage_deposit: StorageDeposit::Refund(3),
            debug_message: b"hi".to_vec(),
            result: (),
        };
        let (cost, debug) = cost_and_debug(&r);
        assert_eq!(
            cost,
            Cost {
                ref_time: 5,
                proof_size: 6,
                storage_deposit: -3
            }
        );
        assert_eq!(debug, "hi");
    }

    #[test]
    fn the_instantiation_uploads_only_missing_code() {
        let inst = Instantiation {
            code: vec![0, 0x61, 0x73, 0x6d],
            data: vec![1],
            salt: vec![2],
            value: 0,
        };
        let gas = Weight::default();
        let hash = code_hash(&inst.code);
        assert_eq!(
            instantiate_tx(&inst, gas, Some(&inst.code), &hash).call_name(),
            "instantiate_with_code"
        );
        assert_eq!(
            instantiate_tx(&inst, gas, None, &hash).call_name(),
            "instantiate"
        );
    }
}
