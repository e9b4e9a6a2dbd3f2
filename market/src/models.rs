//! The providers' models, trained at start-up with smartcore, and the scam's random
//! answers. Each answers one sample at a time ([`Model::predict`]), as a service does
//! per call.

use crate::datasets::{Example, Label};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use smartcore::api::{Transformer, UnsupervisedEstimator};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters};
use smartcore::metrics::distance::euclidian::Euclidian;
use smartcore::naive_bayes::gaussian::{GaussianNB, GaussianNBParameters};
use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};
use smartcore::neighbors::knn_regressor::{KNNRegressor, KNNRegressorParameters};
use smartcore::preprocessing::numerical::{StandardScaler, StandardScalerParameters};
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};
use std::sync::Mutex;

type Matrix = DenseMatrix<f64>;

/// Which model a provider trains (its "recipe"; the quality that follows is measured,
/// never announced).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ModelSpec {
    /// k nearest neighbours on standardized features (classification).
    Knn { k: usize },
    /// L2-regularized logistic regression on standardized features.
    Logit { alpha: f64 },
    /// Gaussian naive Bayes.
    NaiveBayes,
    /// A decision tree of at most `depth` levels.
    Tree { depth: u16 },
    /// Ridge regression.
    Ridge { alpha: f64 },
    /// k nearest neighbours averaging the neighbours' values (regression).
    KnnRegressor { k: usize },
    /// Always the training data's mean (regression baseline).
    Mean,
    /// Answers at random: a uniformly drawn class seen in training, or a value drawn
    /// uniformly from the training range. What a scam sells.
    Random,
}

/// Why a model could not be trained or could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("training {spec:?}: {reason}")]
    Train { spec: ModelSpec, reason: String },
    #[error("{spec:?} takes {expected} features, the request has {got}")]
    Features {
        spec: ModelSpec,
        expected: usize,
        got: usize,
    },
    #[error("{spec:?} could not predict: {reason}")]
    Predict { spec: ModelSpec, reason: String },
    #[error("{spec:?} needs {needs} labels; the training data has the other kind")]
    LabelKind {
        spec: ModelSpec,
        needs: &'static str,
    },
}

/// A trained model.
pub struct Model {
    spec: ModelSpec,
    features: usize,
    scaler: Option<StandardScaler<f64>>,
    inner: Inner,
}

enum Inner {
    Knn(KNNClassifier<f64, u32, Matrix, Vec<u32>, Euclidian<f64>>),
    Logit(LogisticRegression<f64, u32, Matrix, Vec<u32>>),
    NaiveBayes(GaussianNB<f64, u32, Matrix, Vec<u32>>),
    Tree(DecisionTreeClassifier<f64, u32, Matrix, Vec<u32>>),
    Ridge(RidgeRegression<f64, f64, Matrix, Vec<f64>>),
    KnnRegressor(KNNRegressor<f64, f64, Matrix, Vec<f64>, Euclidian<f64>>),
    Mean(f64),
    RandomClass(Mutex<ChaCha8Rng>, Vec<u32>),
    RandomValue(Mutex<ChaCha8Rng>, f64, f64),
}

impl Model {
    /// Trains `spec` on `train`; `seed` drives the random answers of [`ModelSpec::Random`].
    pub fn train(spec: ModelSpec, train: &[Example], seed: u64) -> Result<Model, ModelError> {
        let fail = |reason: smartcore::error::Failed| ModelError::Train {
            spec,
            reason: reason.to_string(),
        };
        let features = train.first().map_or(0, |e| e.features.len());
        let rows: Vec<Vec<f64>> = train.iter().map(|e| e.features.clone()).collect();
        let x = Matrix::from_2d_vec(&rows).map_err(fail)?;
        let classes: Option<Vec<u32>> = train
            .iter()
            .map(|e| match e.label {
                Label::Class(c) => Some(c),
                Label::Value(_) => None,
            })
            .collect();
        let values: Option<Vec<f64>> = train
            .iter()
            .map(|e| match e.label {
                Label::Value(v) => Some(v),
                Label::Class(_) => None,
            })
            .collect();
        let need_classes = || {
            classes.clone().ok_or(ModelError::LabelKind {
                spec,
                needs: "class",
            })
        };
        let need_values = || {
            values.clone().ok_or(ModelError::LabelKind {
                spec,
                needs: "value",
            })
        };
        // k-NN and logistic regression work on standardized features.
        let scaler = match spec {
            ModelSpec::Knn { .. } | ModelSpec::Logit { .. } | ModelSpec::KnnRegressor { .. } => {
                Some(StandardScaler::fit(&x, StandardScalerParameters::default()).map_err(fail)?)
            }
            _ => None,
        };
        let xs = match &scaler {
            Some(s) => s.transform(&x).map_err(fail)?,
            None => x,
        };
        let inner = match spec {
            ModelSpec::Knn { k } => Inner::Knn(
                KNNClassifier::fit(
                    &xs,
                    &need_classes()?,
                    KNNClassifierParameters::default().with_k(k),
                )
                .map_err(fail)?,
            ),
            ModelSpec::Logit { alpha } => Inner::Logit(
                LogisticRegression::fit(
                    &xs,
                    &need_classes()?,
                    LogisticRegressionParameters::default().with_alpha(alpha),
                )
                .map_err(fail)?,
            ),
            ModelSpec::NaiveBayes => Inner::NaiveBayes(
                GaussianNB::fit(&xs, &need_classes()?, GaussianNBParameters::default())
                    .map_err(fail)?,
            ),
            ModelSpec::Tree { depth } => Inner::Tree(
                DecisionTreeClassifier::fit(
                    &xs,
                    &need_classes()?,
                    DecisionTreeClassifierParameters::default().with_max_depth(depth),
                )
                .map_err(fail)?,
            ),
            ModelSpec::Ridge { alpha } => Inner::Ridge(
                RidgeRegression::fit(
                    &xs,
                    &need_values()?,
                    RidgeRegressionParameters::default().with_alpha(alpha),
                )
                .map_err(fail)?,
            ),
            ModelSpec::KnnRegressor { k } => Inner::KnnRegressor(
                KNNRegressor::fit(
                    &xs,
                    &need_values()?,
                    KNNRegressorParameters::default().with_k(k),
                )
                .map_err(fail)?,
            ),
            ModelSpec::Mean => {
                let v = need_values()?;
                Inner::Mean(v.iter().sum::<f64>() / v.len().max(1) as f64)
            }
            ModelSpec::Random => {
                let rng = Mutex::new(ChaCha8Rng::seed_from_u64(seed));
                match (&classes, &values) {
                    (Some(c), _) => {
                        let mut seen = c.clone();
                        seen.sort_unstable();
                        seen.dedup();
                        Inner::RandomClass(rng, seen)
                    }
                    (_, Some(v)) => {
                        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        Inner::RandomValue(rng, lo, hi)
                    }
                    _ => {
                        return Err(ModelError::LabelKind {
                            spec,
                            needs: "one kind of",
                        })
                    }
                }
            }
        };
        Ok(Model {
            spec,
            features,
            scaler,
            inner,
        })
    }

    pub fn spec(&self) -> ModelSpec {
        self.spec
    }

    /// How many features a request must carry.
    pub fn features(&self) -> usize {
        self.features
    }

    /// The model's answer for one sample.
    pub fn predict(&self, features: &[f64]) -> Result<Label, ModelError> {
        let spec = self.spec;
        if features.len() != self.features {
            return Err(ModelError::Features {
                spec,
                expected: self.features,
                got: features.len(),
            });
        }
        let fail = |reason: smartcore::error::Failed| ModelError::Predict {
            spec,
            reason: reason.to_string(),
        };
        let row = || -> Result<Matrix, ModelError> {
            let x = Matrix::from_2d_vec(&vec![features.to_vec()]).map_err(fail)?;
            match &self.scaler {
                Some(s) => s.transform(&x).map_err(fail),
                None => Ok(x),
            }
        };
        let first_class = |v: Vec<u32>| v.first().copied().map(Label::Class);
        let first_value = |v: Vec<f64>| v.first().copied().map(Label::Value);
        let answer = match &self.inner {
            Inner::Knn(m) => first_class(m.predict(&row()?).map_err(fail)?),
            Inner::Logit(m) => first_class(m.predict(&row()?).map_err(fail)?),
            Inner::NaiveBayes(m) => first_class(m.predict(&row()?).map_err(fail)?),
            Inner::Tree(m) => first_class(m.predict(&row()?).map_err(fail)?),
            Inner::Ridge(m) => first_value(m.predict(&row()?).map_err(fail)?),
            Inner::KnnRegressor(m) => first_value(m.predict(&row()?).map_err(fail)?),
            Inner::Mean(v) => Some(Label::Value(*v)),
            Inner::RandomClass(rng, classes) => {
                let mut rng = rng.lock().unwrap_or_else(|p| p.into_inner());
                classes
                    .get(rng.gen_range(0..classes.len().max(1)))
                    .copied()
                    .map(Label::Class)
            }
            Inner::RandomValue(rng, lo, hi) => {
                let mut rng = rng.lock().unwrap_or_else(|p| p.into_inner());
                Some(Label::Value(lo + (hi - lo) * rng.gen::<f64>()))
            }
        };
        answer.ok_or_else(|| ModelError::Predict {
            spec,
            reason: "no answer".into(),
        })
    }
}

/// How well `answers` match `truth`: the share of right classes (classification), or
/// `1 − MAE / MAD` for numbers (MAD: the labels' mean absolute deviation from their own
/// mean; 0 is as good as always answering the mean, 1 is exact, below 0 is worse than
/// that). `None` when nothing was answered.
pub fn quality(pairs: &[(Label, Label)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let truths: Option<Vec<f64>> = pairs
        .iter()
        .map(|(_, t)| match t {
            Label::Value(v) => Some(*v),
            Label::Class(_) => None,
        })
        .collect();
    match truths {
        None => Some(pairs.iter().filter(|(a, t)| a == t).count() as f64 / n),
        Some(truths) => {
            let mean = truths.iter().sum::<f64>() / n;
            let mad = truths.iter().map(|t| (t - mean).abs()).sum::<f64>() / n;
            let mae = pairs
                .iter()
                .map(|(a, t)| match (a, t) {
                    (Label::Value(a), Label::Value(t)) => (a - t).abs(),
                    _ => mad.max(1.0) * 10.0,
                })
                .sum::<f64>()
                / n;
            Some(1.0 - mae / mad.max(f64::MIN_POSITIVE))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::Task;

    fn measured(task: Task, spec: ModelSpec) -> f64 {
        let split = task.split(7, 0.6);
        let model = Model::train(spec, &split.train, 1).expect("trains");
        let pairs: Vec<(Label, Label)> = split
            .test
            .iter()
            .map(|e| (model.predict(&e.features).expect("answers"), e.label))
            .collect();
        quality(&pairs).expect("answered")
    }

    #[test]
    fn breast_cancer_models_rank_as_designed() {
        let knn = measured(Task::BreastCancer, ModelSpec::Knn { k: 5 });
        let tree = measured(Task::BreastCancer, ModelSpec::Tree { depth: 2 });
        let random = measured(Task::BreastCancer, ModelSpec::Random);
        assert!(knn > 0.95, "k-NN {knn}");
        assert!(tree < knn && tree > 0.8, "tree {tree}");
        assert!(random < 0.65, "random {random}");
    }

    #[test]
    fn digits_models_rank_as_designed() {
        let knn = measured(Task::Digits, ModelSpec::Knn { k: 3 });
        let tree = measured(Task::Digits, ModelSpec::Tree { depth: 8 });
        let random = measured(Task::Digits, ModelSpec::Random);
        assert!(knn > 0.95, "k-NN {knn}");
        assert!(tree < knn - 0.05 && tree > 0.6, "tree {tree}");
        assert!(random < 0.25, "random {random}");
    }

    #[test]
    fn diabetes_regressors_beat_the_mean() {
        let ridge = measured(Task::Diabetes, ModelSpec::Ridge { alpha: 0.01 });
        let mean = measured(Task::Diabetes, ModelSpec::Mean);
        let random = measured(Task::Diabetes, ModelSpec::Random);
        assert!(ridge > 0.2, "ridge {ridge}");
        assert!(mean.abs() < 0.1, "mean {mean}");
        assert!(random < 0.0, "random {random}");
    }

    #[test]
    fn a_request_with_the_wrong_number_of_features_is_an_error() {
        let split = Task::BreastCancer.split(7, 0.6);
        let model = Model::train(ModelSpec::NaiveBayes, &split.train, 1).expect("trains");
        assert!(matches!(
            model.predict(&[1.0, 2.0]),
            Err(ModelError::Features {
                expected: 30,
                got: 2,
                ..
            })
        ));
    }

    #[test]
    fn a_classifier_refuses_numeric_labels() {
        let split = Task::Diabetes.split(7, 0.6);
        assert!(matches!(
            Model::train(ModelSpec::Knn { k: 3 }, &split.train, 1),
            Err(ModelError::LabelKind { needs: "class", .. })
        ));
    }

    #[test]
    fn random_answers_are_reproducible_with_a_seed() {
        let split = Task::Digits.split(7, 0.6);
        let a = Model::train(ModelSpec::Random, &split.train, 9).expect("trains");
        let b = Model::train(ModelSpec::Random, &split.train, 9).expect("trains");
        for e in split.test.iter().take(20) {
            assert_eq!(a.predict(&e.features).ok(), b.predict(&e.features).ok());
        }
    }
}
