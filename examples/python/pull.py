#!/usr/bin/env python3
"""Pull a feature set from featuregate's POST /v1/pull as Arrow, into a pandas DataFrame.

Needs pyarrow and pandas (pip install pyarrow pandas). The stream is read batch by batch; each record
batch carries the token that resumes the pull after it (custom metadata `featuregate.resume_after`),
and the last batch of a complete pull says so (`featuregate.end` = "true"). When the connection
breaks, the batches already read are kept and the pull continues from the last token, so every row
arrives exactly once.

    python3 pull.py http://localhost:8080 user_text user_text:sentiment_score user_text:embedding
    FEATUREGATE_API_KEY=fgk_... python3 pull.py https://featuregate.example.com user_profile user_profile
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

import pyarrow as pa

ARROW = 'application/vnd.apache.arrow.stream'


def pull_arrow(base_url, feature_set, features, api_key=None, retries=5, **arguments):
    """All rows of a pull as one pyarrow Table; `arguments` are the other body fields (filter, segment, ...)."""
    batches, schema, after = [], None, arguments.pop('after', None)
    for attempt in range(retries + 1):
        body = {'featureSet': feature_set, 'features': list(features), **arguments}
        if after is not None:
            body['after'] = after
        request = urllib.request.Request(f'{base_url.rstrip("/")}/v1/pull', data=json.dumps(body).encode(), method='POST',
                                         headers={'content-type': 'application/json', 'accept': ARROW,
                                                  **({'authorization': f'Bearer {api_key}'} if api_key else {})})
        try:
            with urllib.request.urlopen(request) as response:
                reader = pa.ipc.open_stream(response)
                schema = reader.schema
                while True:
                    try:
                        batch, metadata = reader.read_next_batch_with_custom_metadata()
                    except StopIteration:
                        break
                    metadata = metadata or {}
                    batches.append(batch)
                    after = metadata.get(b'featuregate.resume_after', b'').decode() or after
                    if metadata.get(b'featuregate.end') == b'true':
                        return pa.Table.from_batches(batches, schema=schema)
            # A stream that stopped without its end batch was cut: resume it.
        except urllib.error.HTTPError as error:  # refused before the first byte: a JSON error
            detail = json.loads(error.read() or b'{}')
            if error.code in (429, 503) and attempt < retries:
                time.sleep(float(error.headers.get('retry-after', '1')))
                continue
            raise RuntimeError(f'pull refused: {error.code} {detail}') from error
        except (OSError, pa.ArrowInvalid) as error:  # connection reset, truncated body, cut IPC stream
            print(f'pull broke ({error}); resuming after {len(batches)} batches', file=sys.stderr)
    raise RuntimeError(f'pull did not complete after {retries} retries')


def to_pandas(table):
    """One row per entity: `entity_id`, one column per feature ref, `<ref>.status` (category), `<set>.event_time`.

    Needs pandas installed; embeddings (FixedSizeList<float32>) become numpy float32 arrays per cell, bit for bit.
    """
    return table.to_pandas()


if __name__ == '__main__':
    if len(sys.argv) < 4:
        sys.exit('usage: pull.py BASE_URL FEATURE_SET FEATURE [FEATURE ...]')
    frame = to_pandas(pull_arrow(sys.argv[1], sys.argv[2], sys.argv[3:], api_key=os.environ.get('FEATUREGATE_API_KEY')))
    print(frame.head())
    print(f'{len(frame)} rows, columns: {list(frame.columns)}', file=sys.stderr)
