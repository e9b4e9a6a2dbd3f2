//! Signed submission: one nonce per transaction even when many tasks submit for the
//! same signer, a watch until the transaction is in a block, and what the block says
//! about it (success or the dispatch error, the fee, the contract events).

use super::errors::{rejected, rpc, tx_error};
use super::events::contract_events;
use super::Node;
use crate::error::ChainError;
use crate::key::AccountKey;
use crate::types::{AccountId, Balance, BlockRef, ContractEvent};
use std::sync::Arc;
use subxt::blocks::ExtrinsicEvents;
use subxt::config::PolkadotExtrinsicParamsBuilder;
use subxt::dynamic::At;
use subxt::tx::{DynamicPayload, SubmittableExtrinsic, TxStatus};
use subxt::{OnlineClient, PolkadotConfig};

type Extrinsic = SubmittableExtrinsic<PolkadotConfig, OnlineClient<PolkadotConfig>>;

/// A transaction in a block, successfully dispatched.
pub(crate) struct Included {
    pub block: BlockRef,
    /// `TransactionPayment::TransactionFeePaid`'s `actual_fee`.
    pub fee: Balance,
    /// `Contracts::ContractEmitted` events, in order.
    pub events: Vec<ContractEvent>,
}

impl Node {
    /// The lock that serializes `signer`'s "next nonce, sign, submit".
    fn nonce_lock(&self, signer: &AccountId) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.nonce_locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(signer.0).or_default().clone()
    }

    /// Signs `call` with `signer`'s key, submits it, waits until it is in a (best)
    /// block and succeeded there.
    ///
    /// Nonces: the nonce is the node's `system_accountNextIndex`, which counts the
    /// signer's transactions in the pool (subxt's default reads the last *finalized*
    /// block, which a dev node finalizes a second late: a second transaction would
    /// reuse the nonce, "outdated"). Reading it, signing and submitting happen under a
    /// per-signer lock, held until the pool has accepted the transaction (the node
    /// answers `author_submitAndWatchExtrinsic` only then), so that concurrent
    /// submissions by one signer take consecutive nonces. Another program signing for
    /// the same account at the same time can still race with this one.
    pub(crate) async fn sign_and_submit(
        &self,
        signer: &AccountKey,
        call: &DynamicPayload,
    ) -> Result<Included, ChainError> {
        let who = signer.account_id();
        let (xt, mut progress) = {
            let lock = self.nonce_lock(&who);
            let _serialized = lock.lock().await;
            let nonce = self
                .rpc
                .system_account_next_index(&who)
                .await
                .map_err(rpc)?;
            let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new()
                .nonce(nonce)
                .build();
            let xt = self
                .api
                .tx()
                .create_signed_offline(call, signer.keypair(), params)
                .map_err(|e| tx_error(e, &who))?;
            match xt.submit_and_watch().await {
                Ok(progress) => (xt, progress),
                Err(e) => return Err(self.rejection(&xt, e.to_string(), &who).await),
            }
        };
        while let Some(status) = progress.next().await {
            match status.map_err(|e| tx_error(e, &who))? {
                TxStatus::InBestBlock(in_block) | TxStatus::InFinalizedBlock(in_block) => {
                    let events = in_block
                        .wait_for_success()
                        .await
                        .map_err(|e| tx_error(e, &who))?;
                    let block = self.block_ref(in_block.block_hash()).await?;
                    return Ok(Included {
                        block,
                        fee: fee_paid(&events)?,
                        events: contract_events(events.iter())?,
                    });
                }
                TxStatus::Error { message }
                | TxStatus::Invalid { message }
                | TxStatus::Dropped { message } => {
                    return Err(self.rejection(&xt, message, &who).await)
                }
                TxStatus::Validated
                | TxStatus::Broadcasted { .. }
                | TxStatus::NoLongerInBestBlock => {}
            }
        }
        Err(ChainError::StreamClosed)
    }

    /// Why the pool refused `xt` (the node said `message`): asks the pool to validate
    /// it again at the best block, for a typed verdict (see [`rejected`]).
    async fn rejection(&self, xt: &Extrinsic, message: String, who: &AccountId) -> ChainError {
        let verdict = match self.best_hash().await {
            Ok(best) => xt.validate_at(best).await.ok(),
            Err(_) => None,
        };
        rejected(verdict.as_ref(), message, who)
    }

    /// The number and hash of the block `hash`.
    pub(crate) async fn block_ref(&self, hash: subxt::utils::H256) -> Result<BlockRef, ChainError> {
        let header = self
            .rpc
            .chain_get_header(Some(hash))
            .await
            .map_err(rpc)?
            .ok_or_else(|| ChainError::Rpc(format!("block {hash:?} not found")))?;
        Ok(BlockRef {
            number: u64::from(header.number),
            hash: hash.0,
        })
    }
}

/// The transaction fee of an extrinsic: its `TransactionPayment::TransactionFeePaid`
/// events' `actual_fee`, decoded through the metadata (0 on a chain without fees).
fn fee_paid(events: &ExtrinsicEvents<PolkadotConfig>) -> Result<Balance, ChainError> {
    let mut fee: Balance = 0;
    for ev in events.iter() {
        let ev = ev.map_err(rpc)?;
        if ev.pallet_name() == "TransactionPayment" && ev.variant_name() == "TransactionFeePaid" {
            let fields = ev.field_values().map_err(rpc)?;
            fee = fee.saturating_add(actual_fee(&fields)?);
        }
    }
    Ok(fee)
}

/// `TransactionFeePaid { who, actual_fee, tip }`'s `actual_fee`.
fn actual_fee<T>(fields: &subxt::ext::scale_value::Composite<T>) -> Result<Balance, ChainError> {
    fields
        .at("actual_fee")
        .and_then(|v| v.as_u128())
        .ok_or_else(|| ChainError::Decode {
            what: "event TransactionPayment::TransactionFeePaid".into(),
            reason: "no `actual_fee`".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use subxt::dynamic::Value;
    use subxt::ext::scale_value::Composite;

    #[test]
    fn the_fee_is_the_actual_fee_field() {
        let fields = Composite::named([
            ("who", Value::from_bytes([1u8; 32])),
            ("actual_fee", Value::u128(123_456)),
            ("tip", Value::u128(7)),
        ]);
        assert_eq!(actual_fee(&fields).unwrap(), 123_456);
        let missing = Composite::named([("tip", Value::u128(7))]);
        assert!(matches!(
            actual_fee(&missing),
            Err(ChainError::Decode { .. })
        ));
    }
}
