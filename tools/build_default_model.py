#!/usr/bin/env python
"""Build the model that ships with the package, `data/models/default/` (installed as
`twitter_topics/bundled/models/default/`): logistic regression with the classifier defaults on the bundled
all-MiniLM-L6-v2, trained on the 800 bundled X-Topic tweets, and its card with 5-fold cross-validated figures
measured by `twitter_topics.benchmark.run_benchmark` in the same run.

    python tools/build_default_model.py            # rebuild in place (replaces only a folder this tool wrote)
    python tools/build_default_model.py --out DIR  # somewhere else

Deterministic: fixed fold seed, the classifier's own fixed seeds, and the embedder pinned to PyTorch fp32
(OpenVINO and bf16 give slightly different vectors on different CPUs)."""
import argparse, json, sys
from pathlib import Path
from twitter_topics.data import load_tweets, bundled_data_path, encode_topics
from twitter_topics.benchmark import run_benchmark
from twitter_topics.pipeline import TopicPipeline, CARD_JSON

METHOD, EMBEDDER, FOLDS, SEED = 'logreg', 'local', 5, 42
EMBED = dict(backend='torch', precision='fp32', cache_dir=False, show_progress=False)
ATTRIBUTION = ('X-Topic (Antypas, Ushio, Barbieri, Camacho-Collados, "Multilingual Topic Classification in X: '
               'Dataset and Analysis", EMNLP 2024, arXiv:2410.03075), MIT licence, copyright the X-Topic authors')

def cv_figures() -> dict:
    "Mean and std over folds of each metric, from the benchmark's table for `METHOD`."
    table = run_benchmark(None, [METHOD], (EMBEDDER,), FOLDS, SEED, embedder_kwargs=EMBED)[0]
    return {k: float(v) for k, v in table.iloc[0].items() if k != 'fit_s'}   # timings vary run to run: not in the card

def card(n:int, cv:dict) -> dict:
    "What the card says beyond pipeline.json."
    return dict(name='default', trained_on=f"{n} English tweets of X-Topic bundled with the package (data/raw/xtopic_en_800.jsonl)",
                method=METHOD, embedder='all-MiniLM-L6-v2 (bundled), PyTorch fp32', classifier_params='the classifier defaults',
                cross_validation=dict(folds=FOLDS, seed=SEED, command=f"twitter-topics benchmark --methods {METHOD} --folds {FOLDS}",
                                      figures=cv),
                licence='model: Apache 2.0 (as the package); trained on data under the MIT licence',
                data_attribution=ATTRIBUTION, built_by='python tools/build_default_model.py')

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=str(Path(__file__).resolve().parents[1]/'data'/'models'/'default'))
    out = Path(p.parse_args(argv).out)
    df = load_tweets(bundled_data_path())
    cv = cv_figures()
    pipe = TopicPipeline(METHOD, EMBEDDER, embedder_kwargs=EMBED).fit(df['text'].tolist(), encode_topics(df['topics']))
    pipe.save(out)
    (out/CARD_JSON).write_text(json.dumps(card(len(df), cv), indent=2) + '\n')
    print(f"default model -> {out}", file=sys.stderr)

if __name__ == '__main__': main()
