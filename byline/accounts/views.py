from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from byline.accounts import verification
from byline.accounts.forms import SignupForm
from byline.core.clientip import client_ip
from byline.moderation.ratelimits import SIGN_UP, RateLimited, hit


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Readers create an account to comment under a verified name."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        # A taken username must be told (it is the account's public handle, shown on author
        # pages and in the queue); what is limited is how fast one address can ask.
        try:
            hit(SIGN_UP, ip=client_ip(request))
        except RateLimited as limited:
            form.is_valid()
            form.add_error(None, str(limited).replace(" Your text is kept below.", ""))
            response = render(
                request, "registration/signup.html", {"form": form, "next": next_url}, status=429
            )
            response["Retry-After"] = str(limited.retry_after)
            return response
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return HttpResponseRedirect(next_url)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/signup.html", {"form": form, "next": next_url}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the verification mail: GET shows a button, POST verifies."""
    try:
        email = verification.read_token(token)
    except ValueError as exc:
        return render(request, "registration/verify_email.html", {"error": str(exc)}, status=400)
    done = request.method == "POST"
    if done:
        verification.verify(email)
    response = render(request, "registration/verify_email.html", {"email": email, "done": done})
    if done:
        verification.set_proof(response, email)
    return response
