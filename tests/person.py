"""The valid person the tests (and the bench) send: the data set's first row, as the form
sends it."""
import urllib.parse

VALID = {"age": "19", "sex": "female", "bmi": "27.9", "children": "0", "smoker": "yes",
         "region": "southwest"}
FORM = urllib.parse.urlencode(VALID)  # a plain POST, as wrk and curl send it: no cookie
