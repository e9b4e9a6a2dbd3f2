//! Contract events: `Contracts::ContractEmitted` records (decoded through the
//! metadata, with their topics), and the stream of finalized blocks' events.

use super::errors::rpc;
use super::storage::{bytes32, bytes_of};
use super::Node;
use crate::chain::EventStream;
use crate::error::ChainError;
use crate::types::{BlockEvents, BlockRef, ContractEvent};
use futures::StreamExt;
use subxt::dynamic::At;
use subxt::events::EventDetails;
use subxt::ext::scale_value::Composite;
use subxt::PolkadotConfig;

/// The `Contracts::ContractEmitted` events among `events`, in order.
pub(crate) fn contract_events(
    events: impl Iterator<Item = Result<EventDetails<PolkadotConfig>, subxt::Error>>,
) -> Result<Vec<ContractEvent>, ChainError> {
    let mut out = Vec::new();
    for ev in events {
        let ev = ev.map_err(rpc)?;
        if ev.pallet_name() == "Contracts" && ev.variant_name() == "ContractEmitted" {
            let fields = ev.field_values().map_err(rpc)?;
            // The topics are on the event record, not in the event.
            let topics = ev.topics().iter().map(|t| t.0).collect();
            out.push(contract_event(&fields, topics)?);
        }
    }
    Ok(out)
}

/// `ContractEmitted { contract: AccountId32, data: Vec<u8> }` with the record's topics.
fn contract_event<T>(
    fields: &Composite<T>,
    topics: Vec<[u8; 32]>,
) -> Result<ContractEvent, ChainError> {
    let bad = |reason: &str| ChainError::Decode {
        what: "event Contracts::ContractEmitted".into(),
        reason: reason.into(),
    };
    let contract = fields
        .at("contract")
        .and_then(bytes32)
        .ok_or_else(|| bad("no 32-byte `contract`"))?;
    let data = fields
        .at("data")
        .and_then(bytes_of)
        .ok_or_else(|| bad("no `data` bytes"))?;
    Ok(ContractEvent {
        contract: contract.into(),
        topics,
        data,
    })
}

impl Node {
    /// Every block finalized from now on, with its contract events (the node's
    /// finalized-heads subscription; subxt fills in blocks it skips).
    pub(crate) async fn finalized_events(&self) -> Result<EventStream, ChainError> {
        let blocks = self.api.blocks().subscribe_finalized().await.map_err(rpc)?;
        let stream = blocks.then(|block| async move {
            let block = block.map_err(rpc)?;
            let events = block.events().await.map_err(rpc)?;
            Ok(BlockEvents {
                block: BlockRef {
                    number: u64::from(block.number()),
                    hash: block.hash().0,
                },
                events: contract_events(events.iter())?,
            })
        });
        Ok(stream.boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use subxt::dynamic::Value;

    #[test]
    fn a_contract_event_is_read_by_field_name() {
        let fields = Composite::named([
            // AccountId32([u8; 32])
            (
                "contract",
                Value::unnamed_composite([Value::from_bytes([9u8; 32])]),
            ),
            ("data", Value::from_bytes([1u8, 2, 3])),
        ]);
        let ev = contract_event(&fields, vec![[5; 32]]).unwrap();
        assert_eq!(ev.contract, [9u8; 32].into());
        assert_eq!(ev.data, [1, 2, 3]);
        assert_eq!(ev.topics, [[5; 32]]);

        let no_data = Composite::named([("contract", Value::from_bytes([9u8; 32]))]);
        assert!(matches!(
            contract_event(&no_data, vec![]),
            Err(ChainError::Decode { .. })
        ));
    }
}
