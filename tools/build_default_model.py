#!/usr/bin/env python
"""Build the model that ships with the package, `data/models/default/` (installed as
`twitter_topics/bundled/models/default/`): logistic regression with the classifier defaults on the bundled
all-MiniLM-L6-v2, trained on the 800 bundled X-Topic tweets, its 5-fold cross-validated figures measured by
`twitter_topics.benchmark.run_benchmark` in the same run, written as the results record
`results/default_model.json`, and its card, whose figures are that record's.

    python tools/build_default_model.py            # rebuild in place (replaces only a folder and record this tool wrote)
    python tools/build_default_model.py --out DIR --record FILE.json   # somewhere else

Deterministic: fixed fold seed, the classifier's own fixed seeds, and the embedder pinned to PyTorch fp32
(OpenVINO and bf16 give slightly different vectors on different CPUs)."""
import argparse, json, shlex, sys
from pathlib import Path
from twitter_topics.data import load_tweets, bundled_data_path, encode_topics
from twitter_topics.benchmark import run_benchmark
from twitter_topics.pipeline import TopicPipeline, CARD_JSON
from twitter_topics.results import RESULTS, read_record, write_record

METHOD, EMBEDDER, FOLDS, SEED = 'logreg', 'local', 5, 42
EMBED = dict(backend='torch', precision='fp32', cache_dir=False, show_progress=False)
ATTRIBUTION = ('X-Topic (Antypas, Ushio, Barbieri, Camacho-Collados, "Multilingual Topic Classification in X: '
               'Dataset and Analysis", EMNLP 2024, arXiv:2410.03075), MIT licence, copyright the X-Topic authors')
TRAINED_ON = "800 English tweets of X-Topic bundled with the package (data/raw/xtopic_en_800.jsonl)"

def card(rec:dict) -> dict:
    "What the card says beyond pipeline.json: its cross-validated figures are the record's (timings left out)."
    row = rec['figures']['rows'][0]
    figs = {}
    for k in ('macro_f1', 'micro_f1', 'kind_accuracy', 'harsh_accuracy'):
        figs[k], figs[k + '_std'] = row[k]['mean'], row[k]['std']
    cv = dict(folds=rec['figures']['folds'], seed=rec['figures']['seed'], command=rec['command'],
              record='results/default_model.json', measured=rec['date'][:10], figures=figs)
    return dict(name='default', trained_on=TRAINED_ON, method=METHOD, embedder='all-MiniLM-L6-v2 (bundled), PyTorch fp32',
                classifier_params='the classifier defaults', cross_validation=cv,
                licence='model: Apache 2.0 (as the package); trained on data under the MIT licence',
                data_attribution=ATTRIBUTION, built_by='python tools/build_default_model.py')

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=str(Path(__file__).resolve().parents[1]/'data'/'models'/'default'))
    p.add_argument('--record', default=str(RESULTS/'default_model.json'))
    args = p.parse_args(argv)
    out, command = Path(args.out), shlex.join(['python', 'tools/build_default_model.py', *(sys.argv[1:] if argv is None else argv)])
    run_benchmark(None, [METHOD], (EMBEDDER,), FOLDS, SEED, embedder_kwargs=EMBED, record=args.record, command=command)
    rec = read_record(args.record)
    df = load_tweets(bundled_data_path())
    pipe = TopicPipeline(METHOD, EMBEDDER, embedder_kwargs=EMBED).fit(df['text'].tolist(), encode_topics(df['topics']))
    pipe.save(out)
    (out/CARD_JSON).write_text(json.dumps(card(rec), indent=2) + '\n')
    print(f"default model -> {out}; record -> {args.record}", file=sys.stderr)

if __name__ == '__main__': main()
