#!/usr/bin/env python3
"""Pull a feature set from featuregate's POST /v1/pull as NDJSON, into a pandas DataFrame (stdlib + pandas only).

Each line is one entity, `{"resume_after": ...}` closes a batch, `{"end": true, "rows": N}` ends a complete
pull and `{"error": {...}}` a failed one. Rows are committed batch by batch: when the connection breaks,
the rows after the last resume token are dropped and the pull continues from that token, so every row
arrives exactly once. Values use the JSON form of GraphQL's `json` field (int64 as strings, bytes base64,
times ISO-8601, embeddings as lists of numbers).

    python3 pull_ndjson.py http://localhost:8080 '{"featureSet": "user_profile", "features": ["user_profile"]}'
"""
import json
import os
import sys
import urllib.error
import urllib.request

import pandas as pd

NDJSON = 'application/x-ndjson'


def pull_rows(base_url, body, api_key=None, retries=5):
    """The rows of a pull as dicts: {'entity_id', 'features': {ref: value}, 'statuses': {...}, 'event_times': {...}}."""
    rows, after = [], body.get('after')
    for _ in range(retries + 1):
        request = urllib.request.Request(f'{base_url.rstrip("/")}/v1/pull', method='POST',
                                         data=json.dumps({**body, **({'after': after} if after else {})}).encode(),
                                         headers={'content-type': 'application/json', 'accept': NDJSON,
                                                  **({'authorization': f'Bearer {api_key}'} if api_key else {})})
        batch = []
        try:
            with urllib.request.urlopen(request) as response:
                for raw in response:
                    line = json.loads(raw)
                    if 'entity_id' in line:
                        batch.append(line)
                    elif 'resume_after' in line:
                        rows.extend(batch)
                        batch, after = [], line['resume_after']
                    elif line.get('end') is True:
                        rows.extend(batch)
                        return rows
                    elif 'error' in line:
                        print(f'pull failed mid-stream: {line["error"]}; resuming', file=sys.stderr)
                        break
        except urllib.error.HTTPError as error:  # refused before the first byte: a JSON error body
            raise RuntimeError(f'pull refused: {error.code} {error.read().decode()}') from error
        except OSError as error:  # connection reset or a truncated body
            print(f'pull broke ({error}); resuming', file=sys.stderr)
    raise RuntimeError(f'pull did not complete after {retries} retries')


def to_frame(rows):
    """One row per entity, indexed by entity_id: a column per feature ref, plus `<ref>.status` columns."""
    return pd.DataFrame.from_records(
        [{'entity_id': r['entity_id'], **r['features'], **{f'{ref}.status': s for ref, s in r['statuses'].items()}} for r in rows],
        index='entity_id')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: pull_ndjson.py BASE_URL BODY_JSON')
    frame = to_frame(pull_rows(sys.argv[1], json.loads(sys.argv[2]), api_key=os.environ.get('FEATUREGATE_API_KEY')))
    # Machine-readable for callers (and the CI test): the frame as JSON records in row order, missing values as
    # null and doubles in full (pandas' own to_json rounds them to 10 digits).
    table = frame.reset_index().astype(object)
    print(json.dumps(table.where(pd.notna(table), None).to_dict(orient='records')))
