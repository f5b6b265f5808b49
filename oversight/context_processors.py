from oversight.shared.background import background_work_delayed


def background_state(request):
    """Whether to tell the user that e-mails and PDF letters are delayed."""
    return {"background_work_delayed": background_work_delayed()}
