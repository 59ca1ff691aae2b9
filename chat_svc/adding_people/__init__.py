"""Adding people to a closed room by name (issue 37, item 9): one person chosen even when
two share a name (``person_choice.py``), and the suggestion list of people to add
(``add_suggestions.py``)."""
