//! The markets' data: smartcore's bundled datasets, split deterministically (seeded
//! shuffle) into training data for the providers and held-out test data for the
//! agents.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What a model answers: a class (classification) or a number (regression).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Class(u32),
    Value(f64),
}

/// One sample: its features and the true answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub features: Vec<f64>,
    pub label: Label,
}

/// A dataset of one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Wisconsin diagnostic breast cancer: 569 samples, 30 features, 2 classes.
    BreastCancer,
    /// Handwritten digits, 8×8 pixels: 1 797 samples, 64 features, 10 classes.
    Digits,
    /// Diabetes progression: 442 samples, 10 features, a number (regression).
    Diabetes,
}

impl Task {
    pub fn name(self) -> &'static str {
        match self {
            Task::BreastCancer => "breast-cancer",
            Task::Digits => "digits",
            Task::Diabetes => "diabetes",
        }
    }

    /// Whether the answer is a class (else a number).
    pub fn is_classification(self) -> bool {
        !matches!(self, Task::Diabetes)
    }

    /// All samples, in the dataset's order.
    pub fn examples(self) -> Vec<Example> {
        use smartcore::dataset::{breast_cancer, diabetes, digits};
        match self {
            Task::BreastCancer => {
                let d = breast_cancer::load_dataset();
                rows(
                    &d.data,
                    d.num_features,
                    d.target.iter().map(|c| Label::Class(*c)),
                )
            }
            Task::Digits => {
                let d = digits::load_dataset();
                // digits' targets are stored as f32 class numbers 0..=9.
                let labels = d.target.iter().map(|c| Label::Class(*c as u32));
                rows(&d.data, d.num_features, labels)
            }
            Task::Diabetes => {
                let d = diabetes::load_dataset();
                let labels = d.target.iter().map(|v| Label::Value(f64::from(*v)));
                rows(&d.data, d.num_features, labels)
            }
        }
    }

    /// The samples shuffled with `seed`, the first `train_share` (0..1) for training,
    /// the rest held out for testing.
    pub fn split(self, seed: u64, train_share: f64) -> Split {
        let mut all = self.examples();
        all.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let cut = ((all.len() as f64) * train_share.clamp(0.0, 1.0)).round() as usize;
        let test = all.split_off(cut.min(all.len()));
        Split { train: all, test }
    }
}

/// Training and held-out data of a task.
#[derive(Clone, Debug)]
pub struct Split {
    pub train: Vec<Example>,
    pub test: Vec<Example>,
}

fn rows(data: &[f32], num_features: usize, labels: impl Iterator<Item = Label>) -> Vec<Example> {
    data.chunks(num_features)
        .zip(labels)
        .map(|(row, label)| Example {
            features: row.iter().map(|v| f64::from(*v)).collect(),
            label,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasets_have_their_documented_shapes() {
        for (task, n, f) in [
            (Task::BreastCancer, 569, 30),
            (Task::Digits, 1797, 64),
            (Task::Diabetes, 442, 10),
        ] {
            let all = task.examples();
            assert_eq!(all.len(), n, "{task:?}");
            assert!(all.iter().all(|e| e.features.len() == f), "{task:?}");
            let classification = all.iter().all(|e| matches!(e.label, Label::Class(_)));
            assert_eq!(classification, task.is_classification(), "{task:?}");
        }
    }

    #[test]
    fn split_is_deterministic_disjoint_and_complete() {
        let a = Task::BreastCancer.split(7, 0.6);
        let b = Task::BreastCancer.split(7, 0.6);
        assert_eq!(a.train, b.train);
        assert_eq!(a.test, b.test);
        assert_eq!(a.train.len(), 341);
        assert_eq!(a.train.len() + a.test.len(), 569);
        let c = Task::BreastCancer.split(8, 0.6);
        assert_ne!(a.train, c.train, "another seed shuffles differently");
        // Disjoint: no test sample is a training sample (the dataset has no duplicates).
        assert!(a.test.iter().all(|t| !a.train.contains(t)));
    }
}
