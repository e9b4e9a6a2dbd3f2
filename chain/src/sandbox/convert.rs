//! Conversions between drink's (sp-runtime's) types and ours.

use crate::types::{AccountId, Cost, Weight};
use drink::pallet_contracts::StorageDeposit;

pub fn sp_account(a: &AccountId) -> drink::AccountId32 {
    drink::AccountId32::new(a.0)
}

pub fn weight_of(w: drink::Weight) -> Weight {
    Weight {
        ref_time: w.ref_time(),
        proof_size: w.proof_size(),
    }
}

pub fn cost_of(consumed: drink::Weight, deposit: &StorageDeposit<u128>) -> Cost {
    Cost {
        ref_time: consumed.ref_time(),
        proof_size: consumed.proof_size(),
        storage_deposit: match deposit {
            StorageDeposit::Charge(c) => i128::try_from(*c).unwrap_or(i128::MAX),
            StorageDeposit::Refund(r) => -i128::try_from(*r).unwrap_or(i128::MAX),
        },
    }
}

pub fn blake2_256(code: &[u8]) -> [u8; 32] {
    drink::frame_support::sp_runtime::traits::BlakeTwo256::hash(code).0
}

use drink::frame_support::sp_runtime::traits::Hash as _;
