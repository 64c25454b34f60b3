// The few Cognito user pools calls a browser app needs, without an SDK: they are public (no AWS
// credentials), JSON over HTTPS to the pool's regional endpoint.
import { startSrp } from "./srp.js";

export class CognitoError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type; // e.g. NotAuthorizedException, UsernameExistsException
  }
}

export function createUserPool({ cognitoEndpoint, userPoolId, userPoolClientId }) {
  async function call(action, body) {
    let response;
    try {
      response = await fetch(cognitoEndpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
        },
        body: JSON.stringify({ ClientId: userPoolClientId, ...body }),
      });
    } catch {
      throw new CognitoError("NetworkError", "Could not reach the sign-in service. Check your connection and try again.");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const type = String(data.__type || "UnknownError").split("#").pop();
      throw new CognitoError(type, data.message || `${action} failed (${response.status})`);
    }
    return data;
  }

  return {
    signUp: (email, password) => call("SignUp", {
      Username: email, Password: password, UserAttributes: [{ Name: "email", Value: email }],
    }),
    confirmSignUp: (email, code) => call("ConfirmSignUp", { Username: email, ConfirmationCode: code }),
    resendCode: (email) => call("ResendConfirmationCode", { Username: email }),

    // SRP: the password stays here; Cognito checks a proof of it.
    async signIn(email, password) {
      const srp = await startSrp();
      const challenge = await call("InitiateAuth", {
        AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: email, SRP_A: srp.srpA },
      });
      if (challenge.ChallengeName !== "PASSWORD_VERIFIER") {
        throw new CognitoError("UnsupportedChallenge", `This app cannot answer the ${challenge.ChallengeName} challenge.`);
      }
      const responses = await srp.answer({ poolId: userPoolId, password, parameters: challenge.ChallengeParameters });
      const done = await call("RespondToAuthChallenge", {
        ChallengeName: "PASSWORD_VERIFIER", ChallengeResponses: responses, Session: challenge.Session,
      });
      if (!done.AuthenticationResult) {
        throw new CognitoError("UnsupportedChallenge", `This app cannot answer the ${done.ChallengeName} challenge.`);
      }
      return done.AuthenticationResult;
    },

    refresh: async (refreshToken) => (await call("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: refreshToken },
    })).AuthenticationResult,
    revoke: (refreshToken) => call("RevokeToken", { Token: refreshToken }),
  };
}
