//! Storage reads, decoded through the chain's metadata (subxt's dynamic storage and
//! `to_value()`), at the best block.
//!
//! Why the best block: subxt reads at the last *finalized* block by default, which a
//! dev node (instant seal) finalizes about a second after sealing it; a balance or a
//! contract read right after a transaction would be stale.

use super::errors::rpc;
use super::Node;
use crate::error::ChainError;
use crate::types::{AccountId, Balance, CodeHash, Timestamp};
use subxt::dynamic::{At, DecodedValue, Value};
use subxt::ext::scale_value::{Composite, Primitive, ValueDef};
use subxt::utils::H256;

impl Node {
    /// The best block's hash.
    pub(crate) async fn best_hash(&self) -> Result<H256, ChainError> {
        self.rpc
            .chain_get_block_hash(None)
            .await
            .map_err(rpc)?
            .ok_or_else(|| ChainError::Rpc("the node has no best block".into()))
    }

    /// `pallet::entry(keys)` at the best block, decoded through the metadata; `None`
    /// if it is not in storage.
    pub(crate) async fn read(
        &self,
        pallet: &str,
        entry: &str,
        keys: Vec<Value>,
    ) -> Result<Option<DecodedValue>, ChainError> {
        let address = subxt::dynamic::storage(pallet, entry, keys);
        let best = self.best_hash().await?;
        let Some(thunk) = self
            .api
            .storage()
            .at(best)
            .fetch(&address)
            .await
            .map_err(rpc)?
        else {
            return Ok(None);
        };
        thunk
            .to_value()
            .map(Some)
            .map_err(|e| decode_error(pallet, entry, e))
    }

    /// `System::Account(who).data.free`; 0 for an account that does not exist.
    pub(crate) async fn read_free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
        let Some(info) = self
            .read("System", "Account", vec![Value::from_bytes(who)])
            .await?
        else {
            return Ok(0);
        };
        info.at("data")
            .at("free")
            .and_then(Value::as_u128)
            .ok_or_else(|| decode_error("System", "Account", "no `data.free` balance"))
    }

    /// `Contracts::ContractInfoOf(address).code_hash`.
    pub(crate) async fn read_code_hash_at(
        &self,
        address: &AccountId,
    ) -> Result<Option<CodeHash>, ChainError> {
        let Some(info) = self
            .read(
                "Contracts",
                "ContractInfoOf",
                vec![Value::from_bytes(address)],
            )
            .await?
        else {
            return Ok(None);
        };
        info.at("code_hash")
            .and_then(bytes32)
            .map(Some)
            .ok_or_else(|| decode_error("Contracts", "ContractInfoOf", "no 32-byte `code_hash`"))
    }

    /// Whether the chain has the code `hash` (`Contracts::CodeInfoOf(hash)` exists).
    pub(crate) async fn code_exists(&self, hash: &CodeHash) -> Result<bool, ChainError> {
        Ok(self
            .read("Contracts", "CodeInfoOf", vec![Value::from_bytes(hash)])
            .await?
            .is_some())
    }

    /// `Timestamp::Now`: the best block's time (ms); 0 before the first block.
    pub(crate) async fn last_block_time(&self) -> Result<Timestamp, ChainError> {
        let Some(now) = self.read("Timestamp", "Now", vec![]).await? else {
            return Ok(0);
        };
        now.as_u128()
            .and_then(|t| Timestamp::try_from(t).ok())
            .ok_or_else(|| decode_error("Timestamp", "Now", "not a u64"))
    }
}

fn decode_error(pallet: &str, entry: &str, reason: impl std::fmt::Display) -> ChainError {
    ChainError::Decode {
        what: format!("storage {pallet}::{entry}"),
        reason: reason.to_string(),
    }
}

/// The bytes of a decoded byte string or byte array, through any newtype wrappers
/// (`H256([u8; 32])`, `AccountId32([u8; 32])`, `BoundedVec(Vec<u8>)` are composites
/// with one field, the bytes a composite of `u8` primitives); `None` if `v` is not one.
pub(crate) fn bytes_of<T>(v: &subxt::ext::scale_value::Value<T>) -> Option<Vec<u8>> {
    let ValueDef::Composite(c) = &v.value else {
        return None;
    };
    let fields: Vec<_> = match c {
        Composite::Named(f) => f.iter().map(|(_, v)| v).collect(),
        Composite::Unnamed(f) => f.iter().collect(),
    };
    // A newtype around bytes.
    if let [inner] = fields[..] {
        if matches!(inner.value, ValueDef::Composite(_)) {
            return bytes_of(inner);
        }
    }
    fields
        .iter()
        .map(|f| match &f.value {
            ValueDef::Primitive(Primitive::U128(b)) => u8::try_from(*b).ok(),
            _ => None,
        })
        .collect()
}

/// [`bytes_of`] for exactly 32 bytes (a hash, an account id).
pub(crate) fn bytes32<T>(v: &subxt::ext::scale_value::Value<T>) -> Option<[u8; 32]> {
    bytes_of(v)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte_array(b: &[u8]) -> Value {
        Value::unnamed_composite(b.iter().map(|b| Value::u128(u128::from(*b))))
    }

    #[test]
    fn bytes_are_found_through_newtypes() {
        let hash = [0xab; 32];
        // H256([u8; 32]) as scale-value decodes it.
        let h256 = Value::unnamed_composite([byte_array(&hash)]);
        assert_eq!(bytes32(&h256), Some(hash));
        assert_eq!(bytes32(&byte_array(&hash)), Some(hash));
        assert_eq!(bytes_of(&byte_array(&[])), Some(vec![]));
        // A single byte is not a newtype.
        assert_eq!(bytes_of(&byte_array(&[5])), Some(vec![5]));
        assert_eq!(bytes32(&byte_array(&[1, 2])), None);
        assert_eq!(bytes_of(&Value::u128(3)), None);
        assert_eq!(bytes_of(&byte_array(&[1]).at(0).cloned().unwrap()), None);
        let not_bytes = Value::unnamed_composite([Value::u128(300)]);
        assert_eq!(bytes_of(&not_bytes), None);
    }

    #[test]
    fn contract_info_gives_its_code_hash_by_name() {
        // ContractInfo { trie_id: BoundedVec<u8>, code_hash: H256, .. } as decoded.
        let info = Value::named_composite([
            (
                "trie_id",
                Value::unnamed_composite([byte_array(&[1, 2, 3])]),
            ),
            (
                "code_hash",
                Value::unnamed_composite([byte_array(&[0xcd; 32])]),
            ),
            ("storage_bytes", Value::u128(10)),
        ]);
        assert_eq!(info.at("code_hash").and_then(bytes32), Some([0xcd; 32]));
        // AccountInfo { nonce, .., data: AccountData { free, .. } }
        let account = Value::named_composite([
            ("nonce", Value::u128(4)),
            (
                "data",
                Value::named_composite([("free", Value::u128(77)), ("reserved", Value::u128(1))]),
            ),
        ]);
        assert_eq!(
            account.at("data").at("free").and_then(Value::as_u128),
            Some(77)
        );
    }
}
