"""The project's select widget writes exactly the HTML WTForms' own would, option for option."""

from hypothesis import given
from hypothesis import strategies as st
from wtforms.fields.choices import Choice
from wtforms.widgets import Select

from tracker.forms import QuickSelect

values = st.one_of(st.text(), st.integers(), st.none(), st.booleans())


@given(value=values, label=st.one_of(st.text(), st.none()), selected=st.booleans(),
       render_kw=st.one_of(st.none(), st.dictionaries(st.sampled_from(["disabled", "data-x"]), st.booleans())))
def test_quick_options_are_the_same_html_as_wtforms_options(value, label, selected, render_kw):
    choice = Choice(value, label, selected, render_kw)
    assert QuickSelect.render_option(choice) == Select.render_option(choice)
